"""The demo organization: a seeder for a local AWS emulator and the manifest of what a scan must find."""
