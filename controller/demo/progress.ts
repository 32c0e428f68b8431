/**
 * The demo's console output. Events (a phase starting, a decision, the summary) are whole
 * lines. On a terminal a status line (elapsed time, active mitigations) is redrawn in place
 * every second with a carriage return; into a file or a pipe (CI, `tee`) those redraws
 * would glue every second into one line thousands of characters long, so there the status
 * is left out and the output is one line per event.
 */

export interface ProgressOutput {
  write(text: string): unknown;
  /** true on a terminal (what `process.stdout.isTTY` says) */
  isTTY?: boolean;
}

/** The status line is padded so that a shorter redraw wipes the end of a longer one. */
const STATUS_WIDTH = 110;

export class DemoPrinter {
  private readonly redraw: boolean;

  constructor(private readonly out: ProgressOutput) {
    this.redraw = out.isTTY === true;
  }

  /** An event: one line of its own. */
  line(text: string): void {
    this.out.write(text + '\n');
  }

  /** The live status: drawn over the previous one on a terminal, not printed elsewhere. */
  status(text: string): void {
    if (this.redraw) this.out.write(`\r${text}`.padEnd(STATUS_WIDTH));
  }

  /** A phase is over: a terminal keeps its last status line and moves below it. */
  endStatus(): void {
    if (this.redraw) this.out.write('\n');
  }
}
