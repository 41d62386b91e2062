"""aiohttp pieces shared by the server and by MonoPilot's own application: problem
details, request parsing, API key authentication, rate limiting, scopes, request logs."""
