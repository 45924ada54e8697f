import { App, Duration, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { describe, expect, it } from "vitest";
import { RelayDashboard, type RelayDashboardProps } from "../../infra/relay-dashboard.js";

// Not template-helpers' TEST_ENV: importing that module loads the whole relay stack.
const ENV = { account: "111111111111", region: "us-east-1" } as const;
const MACHINE_ARN = "arn:aws:states:us-east-1:111111111111:stateMachine:relay";
const FUNCTION_ARN = "arn:aws:lambda:us-east-1:111111111111:function:relay-admit";
const ALARM_ARN = "arn:aws:cloudwatch:us-east-1:111111111111:alarm:relay-failed";

/** One widget of a dashboard body, as CloudWatch reads it. */
interface Widget {
  readonly type: string;
  readonly width: number;
  readonly properties: {
    readonly title?: string;
    readonly metrics?: unknown[][];
    readonly alarms?: unknown[];
    readonly period?: number;
    readonly setPeriodToTimeRange?: boolean;
  };
}

/** A graphed series: a metric (namespace, name, dimensions) or an expression. */
interface Series {
  readonly widget: string;
  readonly namespace?: string;
  readonly metricName?: string;
  readonly dimensions: Record<string, string>;
  readonly options: Record<string, unknown>;
}

/** What `build` made. */
interface Built {
  readonly stack: Stack;
  readonly template: Template;
  readonly machineId: string;
  readonly functionIds: Record<string, string>;
}

/** A stack with a dummy state machine, two dummy functions and a `RelayDashboard` on them. */
function build(
  props: Partial<Omit<RelayDashboardProps, "stateMachine" | "functions">> = {},
  withAlarm = false,
): Built {
  const stack = new Stack(new App(), "Dash", { env: ENV });
  const stateMachine = new sfn.StateMachine(stack, "Machine", {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, "Pass")),
  });
  const dummy = (id: string): lambda.Function =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("exports.handler = async () => ({});"),
    });
  const functions = { admit: dummy("AdmitFn"), transfer: dummy("TransferFn") };
  const alarms = withAlarm
    ? [
        stateMachine.metricFailed().createAlarm(stack, "FailedAlarm", {
          threshold: 1,
          evaluationPeriods: 1,
        }),
      ]
    : props.alarms;
  new RelayDashboard(stack, "Dashboard", { ...props, alarms, stateMachine, functions });
  const template = Template.fromStack(stack);
  return {
    stack,
    template,
    machineId: stack.getLogicalId(stateMachine.node.defaultChild as sfn.CfnStateMachine),
    functionIds: Object.fromEntries(
      Object.entries(functions).map(([name, fn]) => [
        name,
        stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction),
      ]),
    ),
  };
}

/**
 * The single dashboard's body as JSON: the `Fn::Join` pieces are literal strings, `Ref`s
 * (written `Ref(<logical id>)`) and `Fn::GetAtt`s (written `GetAtt(<logical id>.<attribute>)`).
 */
function dashboardBody(template: Template): { widgets: Widget[] } {
  const dashboards = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]?.Properties?.DashboardBody as
    | string
    | { "Fn::Join": [string, unknown[]] };
  if (typeof body === "string") return JSON.parse(body) as { widgets: Widget[] };
  const [separator, pieces] = body["Fn::Join"];
  const text = pieces
    .map((piece) => {
      if (typeof piece === "string") return piece;
      const { Ref: ref, "Fn::GetAtt": getAtt } = piece as {
        Ref?: string;
        "Fn::GetAtt"?: [string, string];
      };
      if (ref) return `Ref(${ref})`;
      if (getAtt) return `GetAtt(${getAtt[0]}.${getAtt[1]})`;
      throw new Error(`unexpected piece in DashboardBody: ${JSON.stringify(piece)}`);
    })
    .join(separator);
  return JSON.parse(text) as { widgets: Widget[] };
}

/** Every series of every widget, with the title of its widget. */
function allSeries(body: { widgets: Widget[] }): Series[] {
  return body.widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).map((entry): Series => {
      const last = entry.at(-1);
      const options =
        typeof last === "object" && last !== null ? (last as Record<string, unknown>) : {};
      const parts = (options === last ? entry.slice(0, -1) : entry) as string[];
      const [namespace, metricName, ...dims] = parts;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < dims.length; i += 2) {
        dimensions[dims[i] as string] = dims[i + 1] as string;
      }
      return { widget: widget.properties.title ?? "", namespace, metricName, dimensions, options };
    }),
  );
}

/** The series of metric `metricName` in `namespace`. */
function seriesOf(series: Series[], namespace: string, metricName: string): Series[] {
  return series.filter((s) => s.namespace === namespace && s.metricName === metricName);
}

/** The expressions (math and search) of every widget. */
function expressions(series: Series[]): string[] {
  return series.flatMap((s) =>
    typeof s.options.expression === "string" ? [s.options.expression] : [],
  );
}

describe("Construct: RelayDashboard", () => {
  it("makes one dashboard, named by CloudFormation unless dashboardName is given", () => {
    const { template } = build();
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
    expect(dashboard?.Properties?.DashboardName).toBeUndefined();

    build({ dashboardName: "relay-ops" }).template.hasResourceProperties(
      "AWS::CloudWatch::Dashboard",
      { DashboardName: "relay-ops" },
    );
  });

  it("graphs every relay metric in the default namespace with the default service dimension", () => {
    const series = allSeries(dashboardBody(build().template));
    const stats = (metricName: string, dims: Record<string, string> = {}): unknown[] =>
      seriesOf(series, "Relay", metricName)
        .filter((s) => Object.entries(dims).every(([k, v]) => s.dimensions[k] === v))
        .map((s) => s.options.stat ?? "Average");

    for (const name of [
      "BytesTransferred",
      "ChunksTransferred",
      "Retries",
      "UrlRefreshes",
      "UploadDuration",
      "Uploads",
      "AssetsIndexed",
    ]) {
      const found = seriesOf(series, "Relay", name);
      expect(found, name).not.toHaveLength(0);
      for (const s of found) expect(s.dimensions.service, name).toBe("relay");
    }
    for (const name of ["BytesTransferred", "ChunksTransferred", "Retries", "UrlRefreshes"]) {
      expect(stats(name), name).toContain("Sum");
      // Exactly the dimensions the functions emit: anything else is another metric.
      for (const s of seriesOf(series, "Relay", name)) {
        expect(s.dimensions, name).toEqual({ service: "relay" });
      }
    }
    expect(stats("UploadDuration")).toEqual(expect.arrayContaining(["p50", "p90", "Maximum"]));
    for (const s of seriesOf(series, "Relay", "Uploads")) {
      expect(s.dimensions).toEqual({ service: "relay", outcome: "completed", code: "OK" });
      expect(s.options.stat).toBe("Sum");
    }
    for (const outcome of ["ready", "failed"]) {
      expect(stats("AssetsIndexed", { outcome }), outcome).toContain("Sum");
    }
  });

  it("graphs Uploads by code with a SEARCH over the whole dimension set, and totals failures", () => {
    const series = allSeries(dashboardBody(build().template));
    const search = `SEARCH('{Relay,code,outcome,service} MetricName="Uploads" service="relay"', 'Sum', 300)`;
    const byCode = series.filter((s) => s.options.expression === search);
    expect(byCode).toHaveLength(1);
    expect(byCode[0]?.widget).toBe("Uploads by outcome and code");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudWatch dynamic label
    expect(byCode[0]?.options.label).toBe("${PROP('Dim.outcome')} ${PROP('Dim.code')}");

    const all = expressions(series);
    for (const outcome of ["failed", "rejected"]) {
      expect(all).toContain(
        `SUM(SEARCH('{Relay,code,outcome,service} MetricName="Uploads" service="relay" outcome="${outcome}"', 'Sum', 300))`,
      );
    }
  });

  it("sums the totals over the time range: no period in their metrics nor searches", () => {
    const body = dashboardBody(build({ period: Duration.minutes(1) }).template);
    const totals = body.widgets.find((w) => w.properties.title === "Totals over the time range");
    expect(totals?.type).toBe("metric");
    expect(totals?.properties.setPeriodToTimeRange).toBe(true);
    const series = allSeries({ widgets: totals ? [totals] : [] });
    expect(series.length).toBeGreaterThan(0);
    for (const s of series) expect(s.options.period).toBeUndefined();
    expect(expressions(series)).toContain(
      `SUM(SEARCH('{Relay,code,outcome,service} MetricName="Uploads" service="relay" outcome="failed"', 'Sum'))`,
    );
  });

  it("graphs the state machine's executions started, succeeded, failed and timed out", () => {
    const { template, machineId } = build();
    const series = allSeries(dashboardBody(template));
    for (const name of [
      "ExecutionsStarted",
      "ExecutionsSucceeded",
      "ExecutionsFailed",
      "ExecutionsTimedOut",
    ]) {
      const found = seriesOf(series, "AWS/States", name);
      expect(found, name).toHaveLength(1);
      expect(found[0]?.dimensions, name).toEqual({ StateMachineArn: `Ref(${machineId})` });
      expect(found[0]?.options.stat, name).toBe("Sum");
    }
  });

  it("graphs each function's errors, throttles and p90 duration, one line per function", () => {
    const { template, functionIds } = build();
    const series = allSeries(dashboardBody(template));
    const lines = (metricName: string): Record<string, unknown> =>
      Object.fromEntries(
        seriesOf(series, "AWS/Lambda", metricName).map((s) => [s.options.label, s.dimensions]),
      );
    const expected = Object.fromEntries(
      Object.entries(functionIds).map(([name, id]) => [name, { FunctionName: `Ref(${id})` }]),
    );
    expect(lines("Errors")).toEqual(expected);
    expect(lines("Throttles")).toEqual(expected);
    expect(lines("Duration")).toEqual(expected);
    for (const s of seriesOf(series, "AWS/Lambda", "Duration")) expect(s.options.stat).toBe("p90");
    expect(new Set(seriesOf(series, "AWS/Lambda", "Errors").map((s) => s.widget))).toEqual(
      new Set(["Function errors"]),
    );
  });

  it("uses a custom namespace, service name and period everywhere", () => {
    const series = allSeries(
      dashboardBody(
        build({ namespace: "Acme/Relay", serviceName: "ingest", period: Duration.minutes(1) })
          .template,
      ),
    );
    expect(series.filter((s) => s.namespace === "Relay")).toHaveLength(0);
    const relay = series.filter((s) => s.namespace === "Acme/Relay");
    expect(new Set(relay.map((s) => s.metricName))).toEqual(
      new Set([
        "BytesTransferred",
        "ChunksTransferred",
        "Retries",
        "UrlRefreshes",
        "UploadDuration",
        "Uploads",
        "AssetsIndexed",
      ]),
    );
    for (const s of relay) expect(s.dimensions.service).toBe("ingest");
    // The namespace has a slash, so the schema quotes it.
    expect(expressions(series)).toContain(
      `SEARCH('{"Acme/Relay",code,outcome,service} MetricName="Uploads" service="ingest"', 'Sum', 60)`,
    );
    const byCode = series.find((s) => s.widget === "Uploads by outcome and code");
    expect(byCode?.options.period).toBe(60);
    for (const s of seriesOf(series, "AWS/Lambda", "Errors")) expect(s.options.period).toBe(60);
  });

  it("shows an alarm status widget only when alarms are given", () => {
    const without = dashboardBody(build().template);
    expect(without.widgets.filter((w) => w.type === "alarm")).toHaveLength(0);
    expect(dashboardBody(build({ alarms: [] }).template).widgets.map((w) => w.type)).not.toContain(
      "alarm",
    );

    const { template } = build({}, true);
    const alarmIds = Object.keys(template.findResources("AWS::CloudWatch::Alarm"));
    expect(alarmIds).toHaveLength(1);
    const widgets = dashboardBody(template).widgets.filter((w) => w.type === "alarm");
    expect(widgets).toHaveLength(1);
    expect(widgets[0]?.properties.alarms).toEqual([`GetAtt(${alarmIds[0]}.Arn)`]);
    // The alarms come first, above everything else.
    expect(dashboardBody(template).widgets[0]?.type).toBe("alarm");
  });

  it("titles every widget and keeps each row within the 24-column grid", () => {
    const body = dashboardBody(build({}, true).template);
    for (const w of body.widgets) expect(w.properties.title, JSON.stringify(w)).toBeTruthy();
    expect(body.widgets.every((w) => w.width > 0 && w.width <= 24)).toBe(true);
  });

  it("raises no CDK warnings or errors", () => {
    const { stack } = build({}, true);
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning("*", Match.anyValue())).toEqual([]);
    expect(annotations.findError("*", Match.anyValue())).toEqual([]);
  });

  it.each([
    [{ namespace: "AWS/Relay" }, /namespace must not start with "AWS\/"/],
    [{ namespace: 'Re"lay' }, /namespace must not contain quotes or backslashes/],
    [{ serviceName: "it's" }, /serviceName must not contain quotes or backslashes/],
    [{ serviceName: "" }, /serviceName must be 1\.\.255 characters/],
    [{ period: Duration.seconds(30) }, /period must be a whole number of minutes, got 30 seconds/],
    [{ period: Duration.seconds(90) }, /period must be a whole number of minutes/],
  ] satisfies [Partial<RelayDashboardProps>, RegExp][])("refuses %o", (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  it("refuses an empty functions record and lists every problem at once", () => {
    const stack = new Stack(new App(), "Dash", { env: ENV });
    const stateMachine = new sfn.StateMachine(stack, "Machine", {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, "Pass")),
    });
    expect(
      () =>
        new RelayDashboard(stack, "Dashboard", {
          stateMachine,
          functions: {},
          namespace: "AWS/X",
        }),
    ).toThrow(
      /RelayDashboard Dash\/Dashboard: invalid props:\n.*namespace must not start.*\n.*functions must name at least one function/s,
    );
  });

  it("accepts an imported state machine and imported functions", () => {
    const stack = new Stack(new App(), "Dash", { env: ENV });
    const stateMachine = sfn.StateMachine.fromStateMachineArn(stack, "Machine", MACHINE_ARN);
    const fn = lambda.Function.fromFunctionArn(stack, "Fn", FUNCTION_ARN);
    new RelayDashboard(stack, "Dashboard", { stateMachine, functions: { admit: fn } });
    const series = allSeries(dashboardBody(Template.fromStack(stack)));
    expect(seriesOf(series, "AWS/Lambda", "Errors")[0]?.dimensions).toEqual({
      FunctionName: "relay-admit",
    });
    expect(seriesOf(series, "AWS/States", "ExecutionsFailed")[0]?.dimensions).toEqual({
      StateMachineArn: MACHINE_ARN,
    });
  });

  it("shows imported alarms (any IAlarm) too", () => {
    const stack = new Stack(new App(), "Dash", { env: ENV });
    const stateMachine = sfn.StateMachine.fromStateMachineArn(stack, "Machine", MACHINE_ARN);
    const fn = lambda.Function.fromFunctionArn(stack, "Fn", FUNCTION_ARN);
    const imported = cloudwatch.Alarm.fromAlarmArn(stack, "Imported", ALARM_ARN);
    new RelayDashboard(stack, "Dashboard", {
      stateMachine,
      functions: { admit: fn },
      alarms: [imported],
    });
    const widgets = dashboardBody(Template.fromStack(stack)).widgets;
    expect(widgets.find((w) => w.type === "alarm")?.properties.alarms).toEqual([ALARM_ARN]);
  });
});
