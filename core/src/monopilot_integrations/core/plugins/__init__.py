"""The plugin machinery: hook specs, the plugin manager, the registry of what plugins
registered, and the kernel's own default plugin."""
