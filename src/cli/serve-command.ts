/** `volley serve`: flags, variables and config file merged, then the supervisor run. */
import { serveCluster } from '../serve-cluster.js';
import { findConfigFile, loadConfigFile } from './config-file.js';
import { envValues, formatEffective, mergeSources, toServeOptions, withSource } from './effective-config.js';
import { parseServeFlags } from './serve-options.js';
import { serveUsage } from './usage.js';

export async function serveCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const flags = parseServeFlags(args);
  if (flags.help) {
    console.log(serveUsage());
    return 0;
  }
  const configFile = findConfigFile(flags.config);
  const file = configFile ? await loadConfigFile(configFile) : new Map();
  const effective = mergeSources(flags.values, envValues(env), file, configFile);
  if (flags.printConfig) {
    console.log(formatEffective(effective));
    return 0;
  }
  const options = toServeOptions(effective);
  try {
    return await serveCluster(options);
  } catch (err) {
    throw withSource(err, effective);
  }
}
