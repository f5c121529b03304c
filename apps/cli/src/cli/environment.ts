/** What the CLI takes from its process, read once in main.ts and passed down. */
export interface CliEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  isRoot: boolean;
}
