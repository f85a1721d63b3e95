"""The Textual user interface: the App, its screens, widgets and dialogs."""
