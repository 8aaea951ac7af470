// The one error type for a bad setting, whichever layer reads it: it names the setting and the
// rule it breaks, never the value (settings include secrets). The Worker answers 503 with it.

export class SettingError extends Error {
  constructor(
    readonly setting: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${setting}: ${problem}`, options);
    this.name = "SettingError";
  }
}
