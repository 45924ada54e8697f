/** The text `relay --help` prints after the commands and flags. */

import { EXIT_CODES_HELP } from "./exit-codes.js";

const TARGET_HELP = `Target:
  By default the local stack while \`npm start\` runs (it writes local.json in $RELAY_HOME,
  default .relay/ in the repository, and removes it on exit); otherwise the deployed stack
  --stack (default Relay), found from its CloudFormation outputs with the default AWS
  credential chain. --stack, --region or --profile pick the deployed stack; --bucket, --table
  and --state-machine name its resources instead of its outputs.

Presigned-URL hosts:
  relay starts nothing and calls AWS APIs only, so it takes no --allow-url-host: that option is
  npm start's (\`npm start -- --allow-url-host HOST\`, for the relay it starts). A deployed
  stack takes its hosts from the allowedUrlHosts prop (\`-c relay:allowedUrlHosts=HOST\`).`;

const EXAMPLES = `Examples:
  relay drop clip.mp4                      put clip.mp4, follow its upload, print asset_id=<id>
  relay drop clip.mp4 --key incoming/a.mp4 --no-wait
  relay status clip.mp4                    the latest upload of that key (live while in flight)
  relay status 3f2a...e9 --json            one upload, by upload key, as JSON
  relay list --status failed --since 2h
  relay redrive clip.mp4                   start a failed upload again and follow it
  relay watch                              every upload in flight, until Ctrl-C
  relay --stack Relay --region eu-west-1 list`;

/** Examples, which stack is used, and the exit codes. */
export const HELP_AFTER = `\n${EXAMPLES}\n\n${TARGET_HELP}\n\n${EXIT_CODES_HELP}\n`;
