/** The CDK app (`cdk synth`, `cdk deploy`): one {@link RelayStack} named "Relay". */

import { App } from "aws-cdk-lib";
import { pipelinePropsFromContext, RelayStack } from "./relay-stack.js";

const app = new App();
new RelayStack(app, "Relay", {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
  pipeline: pipelinePropsFromContext(app),
});
app.synth();
