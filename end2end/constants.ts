/** The platform's key for POST /api/v1/events, shared by the config (server env) and the tests. */
export const PLATFORM_KEY = 'e2e-platform-key-0123456789abcdef0123456789';

/** The app under test, and a second one whose confirmations (sudo mode) last 10 s. */
export const E2E_PORT = Number(process.env.PC_E2E_PORT ?? 3100);
export const E2E_SHORT_PORT = E2E_PORT + 1;
