// globalSetup of the `worker` project: makes the run's test CA (worker-test-ca.ts) and hands it to
// vitest.config.ts through provide/inject. Generating it here rather than in the config keeps the
// config free of imports from src/ (Vite bundles the config file and warned about each of them).
import type { TestProject } from "vitest/node";
import { workerTestBindings } from "./worker-test-ca";

declare module "vitest" {
  export interface ProvidedContext {
    workerTestBindings: Record<string, string>;
  }
}

export default function setup(project: TestProject): void {
  project.provide("workerTestBindings", workerTestBindings());
}
