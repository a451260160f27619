/** Runs `bench` when `moduleUrl` is the script node was started with; exits 0, or 1 with the error. */
export function runAsMain(moduleUrl: string, bench: () => Promise<unknown>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  bench().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
