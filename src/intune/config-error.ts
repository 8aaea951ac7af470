// A bad Intune setting: names it and the rule, never carries the value (several are secrets).
import { SettingError } from "../util/setting-error";

export class IntuneConfigError extends SettingError {
  constructor(setting: string, reason: string) {
    super(setting, reason);
    this.name = "IntuneConfigError";
  }
}
