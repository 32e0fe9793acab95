"""The standalone application's configuration: it lives in ``lms/config.py`` (inside the
package, so an installed LMS has it too); this module keeps ``import config`` working."""
from lms.config import BASE_DIR, CONFIGS, INSTANCE_DIR, Config, DevelopmentConfig, ProductionConfig, TestingConfig

__all__ = ["BASE_DIR", "CONFIGS", "INSTANCE_DIR", "Config", "DevelopmentConfig", "ProductionConfig", "TestingConfig"]
