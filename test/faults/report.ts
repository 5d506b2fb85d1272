/**
 * Every fault row prints one line in the Jepsen classes (lost / duplicated / recovered), and
 * `npm run test:faults` collects them into the table of the README's Reliability section.
 */
import { appendFileSync } from "node:fs";

export interface FaultRow {
  row: string;
  dialect: string;
  lost: number;
  duplicated: number;
  recovered: number;
  note?: string;
}

export function report(r: FaultRow): void {
  process.stdout.write(`# fault ${JSON.stringify(r)}\n`);
  if (process.env.FAULTS_REPORT) appendFileSync(process.env.FAULTS_REPORT, `${JSON.stringify(r)}\n`);
}

/** `--full` (npm run test:faults -- --full) sets FAULTS_FULL=1: the research sizes instead of CI sizes. */
export const FULL = process.env.FAULTS_FULL === "1";
