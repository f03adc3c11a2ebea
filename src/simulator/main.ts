import { PortBindError } from './bind.js';
import { parseCommandLine } from './command-line.js';
import { consoleLog, errorLog } from './console.js';
import { loadFaults } from './faults.js';
import { Simulator } from './simulator.js';

/** Exit code a shell reports for SIGSEGV; used only if the signal somehow did not kill us. */
const SEGFAULT_EXIT_CODE = 139;

function crash(): void {
  process.kill(process.pid, 'SIGSEGV');
  setTimeout(() => process.exit(SEGFAULT_EXIT_CODE), 500);
}

async function main(): Promise<void> {
  let simulator: Simulator;
  try {
    const commandLine = parseCommandLine(process.argv.slice(2), process.cwd());
    const faults = await loadFaults(process.env, commandLine.rootDir, commandLine.port);
    simulator = new Simulator(commandLine, faults, {
      log: consoleLog,
      error: errorLog,
      exit: (code) => process.exit(code),
      crash,
    });
  } catch (error) {
    errorLog(`srcds simulator: ${(error as Error).message}`);
    process.exit(1);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => simulator.onSignal(signal));
  try {
    await simulator.start();
  } catch (error) {
    if (!(error instanceof PortBindError)) throw error;
    // srcds with -strictportbind gives up instead of moving to another port.
    errorLog(error.message);
    process.exit(1);
  }
}

await main();
