"""The `quome` command: offline plan and HIPAA check of the platform, and live-account tooling."""
