"""recover: a service-recovery playbook for the person on the phone."""

__version__ = "0.1.0"
