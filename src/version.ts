/** The version of this Volley: the CLI's --version, the startup log line and /status. */
export const VERSION = '0.1.0';
