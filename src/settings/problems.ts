// Reading every setting and reporting every problem at once: an operator fixing a deployment sees
// all that is wrong in one 503, not one setting per deploy. Each problem names its setting and
// rule, never a value (settings include secrets).
import { SettingError } from "../util/setting-error";

/** The configuration cannot serve: every problem found, in the order the settings were read. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly SettingError[]) {
    super(problems.map((p) => p.message).join("; "), { cause: problems[0] });
    this.name = "ConfigError";
  }

  /** The settings named, comma-separated. */
  get setting(): string {
    return this.problems.map((p) => p.setting).join(", ");
  }
}

export class SettingProblems {
  readonly list: SettingError[] = [];

  /** Runs a parser; a SettingError (or a parser choking on a value) is recorded and gives undefined. */
  read<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (e) {
      if (e instanceof SettingError) this.list.push(e);
      // A parser choking on a value: its own text may quote the value, so only its class is kept.
      else {
        const why = `unreadable (${e instanceof Error ? e.name : "error"}); check CA_CERT, CA_KEY, RA_CERT, RA_KEY, NEXT_CA_CERT, RETIRED_CA_CERTS, RETIRED_CA_KEYS`;
        this.list.push(new SettingError("configuration", why, { cause: e }));
      }
      return undefined;
    }
  }

  add(setting: string, problem: string): void {
    this.list.push(new SettingError(setting, problem));
  }
}
