/** The platform's key for POST /api/v1/events, shared by the config (server env) and the tests. */
export const PLATFORM_KEY = 'e2e-platform-key-0123456789abcdef0123456789';
