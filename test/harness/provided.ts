// What the integration project's global setup hands every test file (read with `inject`).
declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export {};
