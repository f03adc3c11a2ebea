/** SteamCMD's stdio buffer: what it holds back when stdout is not a terminal. */
export const BLOCK_BYTES = 4096;

/**
 * SteamCMD's stdout. On a terminal every line goes out as it is printed; into a pipe or file (with
 * `bufferWhenNotTty`) output is held back and written in whole 4 KB blocks, the rest at exit, as C
 * stdio buffers a program that never flushes. That is why the panel runs SteamCMD under a
 * pseudo-terminal: through a pipe, progress would arrive in bursts, or only at the end.
 */
export class SteamcmdOutput {
  private held = Buffer.alloc(0);

  constructor(
    private readonly buffered: boolean,
    /** Where the bytes go (process.stdout: synchronous on Linux for pipes and terminals). */
    private readonly out: (bytes: string | Uint8Array) => void = (bytes) => process.stdout.write(bytes),
    /** Called with each line as it is printed (the trace the benchmark reads). */
    private readonly onLine: (line: string) => void = () => {},
  ) {}

  line(text: string): void {
    this.onLine(text);
    this.write(`${text}\n`);
  }

  write(text: string): void {
    if (!this.buffered) {
      this.out(text);
      return;
    }
    this.held = Buffer.concat([this.held, Buffer.from(text)]);
    while (this.held.length >= BLOCK_BYTES) {
      this.out(this.held.subarray(0, BLOCK_BYTES));
      this.held = this.held.subarray(BLOCK_BYTES);
    }
  }

  /** Writes what is held (at exit). */
  flush(): void {
    if (this.held.length > 0) this.out(this.held);
    this.held = Buffer.alloc(0);
  }
}
