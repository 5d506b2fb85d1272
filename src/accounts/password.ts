import { hash, verify } from "@node-rs/argon2";

// OWASP's argon2id minimum: m=19 MiB, t=2, p=1. Runs on libuv's threads, not the event loop.
const PARAMS = {
  algorithm: 2 /* Algorithm.Argon2id (a const enum) */,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** A valid hash of a random password, verified against when the user does not exist (equal timing). */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`dummy-${Math.random()}`);
  return dummy;
}

/**
 * The password policy, the one place it is stated: server validation and every page's hint read it.
 * 12 characters (a passphrase is easier than symbols); the limit on attempts does the rest.
 */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
