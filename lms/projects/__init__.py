"""The group final project: brief and due date, versioned submissions, grades by level, peer comments."""
