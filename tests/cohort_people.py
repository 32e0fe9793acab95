"""32 participants like those of an ITU Academy cohort: officials from every region, in
their own time zones, several from the same organisations, self-described genders (some
not given), names in many scripts. Used by the formation tests and the groups pages."""
from __future__ import annotations

#: (name, e-mail, country, UN region, IANA zone, organisation, gender)
PEOPLE = [
    ("Amina Diallo", "amina.diallo@example.org", "SN", "Africa", "Africa/Dakar", "Senegal ADIE", "woman"),
    ("Moussa Ndiaye", "moussa.ndiaye@example.org", "SN", "Africa", "Africa/Dakar", "Senegal ADIE", "man"),
    ("Wanjiru Kamau", "wanjiru.kamau@example.org", "KE", "Africa", "Africa/Nairobi", "Kenya ICT Authority", "woman"),
    ("Otieno Ochieng", "otieno.ochieng@example.org", "KE", "Africa", "Africa/Nairobi", "Kenya ICT Authority", "man"),
    ("Achieng Atieno", "achieng.atieno@example.org", "KE", "Africa", "Africa/Nairobi", "Kenya ICT Authority", None),
    ("Chinedu Okafor", "chinedu.okafor@example.org", "NG", "Africa", "Africa/Lagos", "NITDA", "man"),
    ("Thandiwe Dlamini", "thandiwe.dlamini@example.org", "ZA", "Africa", "Africa/Johannesburg", "SITA", "woman"),
    ("محمد عبد الله", "mohamed.abdallah@example.org", "EG", "Africa", "Africa/Cairo", "MCIT Egypt", "man"),
    ("فاطمة الزهراء", "fatima.zahra@example.org", "MA", "Africa", "Africa/Casablanca", "ADD Morocco", "woman"),
    ("نورة القحطاني", "noura.alqahtani@example.org", "SA", "Asia", "Asia/Riyadh", "Saudi DGA", "woman"),
    ("अमित कुमार", "amit.kumar@example.org", "IN", "Asia", "Asia/Kolkata", "MeitY", "man"),
    ("प्रिया शर्मा", "priya.sharma@example.org", "IN", "Asia", "Asia/Kolkata", "MeitY", "woman"),
    ("सीता थापा", "sita.thapa@example.org", "NP", "Asia", "Asia/Kathmandu", "Nepal DoIT", "woman"),
    ("রহিম উদ্দিন", "rahim.uddin@example.org", "BD", "Asia", "Asia/Dhaka", "a2i Bangladesh", "man"),
    ("Nguyễn Thị Lan", "lan.nguyen@example.org", "VN", "Asia", "Asia/Ho_Chi_Minh", "Viet Nam MIC", "woman"),
    ("Trần Văn Minh", "minh.tran@example.org", "VN", "Asia", "Asia/Ho_Chi_Minh", "Viet Nam MIC", "man"),
    ("Maria Santos", "maria.santos@example.org", "PH", "Asia", "Asia/Manila", "DICT Philippines", "woman"),
    ("Jose Reyes", "jose.reyes@example.org", "PH", "Asia", "Asia/Manila", "DICT Philippines", "man"),
    ("Siti Rahayu", "siti.rahayu@example.org", "ID", "Asia", "Asia/Jakarta", "Kominfo", "woman"),
    ("王芳", "wang.fang@example.org", "CN", "Asia", "Asia/Shanghai", "CAICT", "woman"),
    ("Айгуль Касымова", "aigul.kasymova@example.org", "KZ", "Asia", "Asia/Almaty", "Digital Kazakhstan", "woman"),
    ("Иван Петров", "ivan.petrov@example.org", "UA", "Europe", "Europe/Kyiv", "Mintsyfra", "man"),
    ("Олена Коваленко", "olena.kovalenko@example.org", "UA", "Europe", "Europe/Kyiv", "Mintsyfra", "woman"),
    ("Марко Јовановић", "marko.jovanovic@example.org", "RS", "Europe", "Europe/Belgrade", "ITE Serbia", "man"),
    ("Lea Müller", "lea.mueller@example.org", "CH", "Europe", "Europe/Zurich", "UNDP", "non-binary"),
    ("Ana Popescu", "ana.popescu@example.org", "MD", "Europe", "Europe/Chisinau", "UNDP", "woman"),
    ("Carlos Gómez", "carlos.gomez@example.org", "CO", "Americas", "America/Bogota", "MinTIC Colombia", "man"),
    ("Lucía Fernández", "lucia.fernandez@example.org", "CO", "Americas", "America/Bogota", "MinTIC Colombia", "woman"),
    ("João Silva", "joao.silva@example.org", "BR", "Americas", "America/Sao_Paulo", "Gov.br", "man"),
    ("Sofía Hernández", "sofia.hernandez@example.org", "MX", "Americas", "America/Mexico_City", "ATDT Mexico", None),
    ("Aisake Tuilagi", "aisake.tuilagi@example.org", "FJ", "Oceania", "Pacific/Fiji", "Fiji ITC Services", "man"),
    ("Ahmad Karimi", "ahmad.karimi@example.org", "UZ", "Asia", "Asia/Tashkent", "UNDP", "man"),
]
