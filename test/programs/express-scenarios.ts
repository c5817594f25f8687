// The Express fixture's scenarios, shared by express4.test.ts and express5.test.ts (one file
// each: a file's child processes share the runner's 120 s).
export const SCENARIOS = [
  'route', 'notFound', 'json', 'urlencoded', 'badJson', 'stream', 'sendFile', 'sendFileHead', 'sendFileConditional',
  'redirect', 'cookie', 'error', 'rawKeepAlive', 'clientAbort', 'supertest', 'supertestAgentCookies', 'supertestPost', 'gracefulClose',
];
