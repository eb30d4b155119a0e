package dev.packetfs.infra.cost;

import dev.packetfs.infra.worker.WorkerStack;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmStatusWidget;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * What each provider costs and does, from the metrics the dispatcher writes in CloudWatch Embedded
 * Metric Format (namespace {@code PacketFS}, dimension {@code Substrate}), and two alarms: the
 * dead-letter stream growing, and the worker failing.
 *
 * <p>A stack of its own: it holds no compute and no secret, changes more often than either, and can
 * be deployed, changed or removed without touching the functions. It reads the worker's alias for
 * the errors alarm and nothing of the dispatcher, whose metrics arrive by name.
 */
public final class CostStack extends Stack {
    public static final String NAMESPACE = "PacketFS";
    public static final String SUBSTRATE = "Substrate";
    /** Every substrate the dispatcher knows, one dashboard row each. */
    public static final List<String> PROVIDERS =
            List.of("lambda", "flyio", "cloudrun", "cloudflare", "browser", "local");

    static final Duration PERIOD = Duration.minutes(5);
    private static final int WIDTH = 4;
    private static final int HEIGHT = 6;

    private final Dashboard dashboard;
    private final Alarm deadLetters;
    private final Alarm workerErrors;

    public CostStack(Construct scope, String id, StackProps props, CostSettings settings, WorkerStack worker) {
        super(scope, id, props);

        // A gauge of the dead-letter stream's length, written by each dispatcher. One-minute points
        // and five of them per evaluation: any rise within five minutes is a positive DIFF.
        Metric deadLetterCount = Metric.Builder.create()
                .namespace(NAMESPACE)
                .metricName("DeadLetters")
                .statistic("Maximum")
                .period(Duration.minutes(1))
                .build();
        deadLetters = Alarm.Builder.create(this, "DeadLettersGrowing")
                .alarmDescription(
                        "PacketFS: jobs were dead-lettered in the last 5 minutes (packetfs:dead-letters grew)")
                .metric(MathExpression.Builder.create()
                        .expression("DIFF(deadLetters)")
                        .usingMetrics(Map.of("deadLetters", deadLetterCount))
                        .label("dead letters added")
                        .period(Duration.minutes(1))
                        .build())
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .threshold(0)
                .evaluationPeriods(5)
                .datapointsToAlarm(1)
                // No dispatcher running writes no gauge, and nothing can be dead-lettered then.
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        workerErrors = Alarm.Builder.create(this, "WorkerErrors")
                .alarmDescription("PacketFS: the Lambda worker (alias live) failed invocations in the last 5 minutes")
                .metric(worker.live()
                        .metricErrors(MetricOptions.builder()
                                .statistic("Sum")
                                .period(PERIOD)
                                .build()))
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .threshold(settings.workerErrorsThreshold())
                .evaluationPeriods(1)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        settings.alarmEmail().ifPresent(email -> {
            // Refuses publishing over plain HTTP. The topic policy that says so replaces SNS's default
            // one, under which the account's alarms could publish, so it names these two alarms.
            Topic topic = Topic.Builder.create(this, "Alarms")
                    .displayName("PacketFS alarms")
                    .enforceSsl(true)
                    .build();
            topic.addToResourcePolicy(PolicyStatement.Builder.create()
                    .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                    .actions(List.of("sns:Publish"))
                    .resources(List.of(topic.getTopicArn()))
                    .conditions(new TreeMap<>(Map.of(
                            "ArnEquals",
                                    Map.of(
                                            "aws:SourceArn",
                                            List.of(deadLetters.getAlarmArn(), workerErrors.getAlarmArn())),
                            "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID))))
                    .build());
            topic.addSubscription(new EmailSubscription(email));
            for (Alarm alarm : List.of(deadLetters, workerErrors)) {
                alarm.addAlarmAction(new SnsAction(topic));
                alarm.addOkAction(new SnsAction(topic));
            }
        });

        dashboard = Dashboard.Builder.create(this, "Dashboard")
                .defaultInterval(Duration.hours(3))
                .build();
        // CloudFormation takes Tags on a dashboard (the app's "project" tag lands here), but cfn-lint
        // 1.51.0, which ./scripts/test runs, predates them and reports E3002 ('Tags' was unexpected).
        // Exempt from that rule only, on this resource only.
        ((CfnResource) dashboard.getNode().getDefaultChild())
                .addMetadata("cfn-lint", Map.of("config", Map.of("ignore_checks", List.of("E3002"))));
        dashboard.addWidgets(AlarmStatusWidget.Builder.create()
                .title("PacketFS alarms")
                .alarms(List.of(deadLetters, workerErrors))
                .width(24)
                .height(3)
                .build());
        for (String provider : PROVIDERS) {
            dashboard.addWidgets(providerRow(provider).toArray(IWidget[]::new));
        }
        dashboard.addWidgets(volunteersPerShard());

        CfnOutput.Builder.create(this, "DashboardName")
                .value(dashboard.getDashboardName())
                .description("the per-provider cost dashboard")
                .build();
        CfnOutput.Builder.create(this, "DeadLettersAlarmName")
                .value(deadLetters.getAlarmName())
                .build();
        CfnOutput.Builder.create(this, "WorkerErrorsAlarmName")
                .value(workerErrors.getAlarmName())
                .build();
    }

    /** The provider's name, then cost, cost per GB, jobs per second, p99 latency, failures. */
    static List<IWidget> providerRow(String provider) {
        Metric cost = metric("CostUsd", provider, "Sum", "cost (USD)");
        Metric bytes = metric("Bytes", provider, "Sum", "bytes");
        Metric executions = metric("Executions", provider, "Sum", "executions");
        List<IWidget> row = new ArrayList<>();
        row.add(TextWidget.Builder.create()
                .markdown("### " + provider + "\nsubstrate `" + provider + "`")
                .width(WIDTH)
                .height(HEIGHT)
                .build());
        row.add(graph(provider + ": cost (USD)", cost));
        row.add(graph(
                provider + ": cost per GB (USD)",
                MathExpression.Builder.create()
                        .expression("cost / (bytes / 1000000000)")
                        // Sorted: Map.of's order changes from one JVM to the next, and with it the template.
                        .usingMetrics(new TreeMap<>(Map.of("cost", cost, "bytes", bytes)))
                        .label("USD per GB")
                        .period(PERIOD)
                        .build()));
        row.add(graph(
                provider + ": jobs per second",
                MathExpression.Builder.create()
                        .expression("executions / PERIOD(executions)")
                        .usingMetrics(Map.of("executions", executions))
                        .label("executions per second")
                        .period(PERIOD)
                        .build()));
        row.add(graph(provider + ": p99 latency (ms)", metric("LatencyMs", provider, "p99", "p99 latency (ms)")));
        row.add(graph(
                provider + ": failures",
                metric("Failures", provider, "Sum", "failures"),
                metric("Throttles", provider, "Sum", "throttles")));
        return row;
    }

    /**
     * The volunteers each shard of the edge coordinator holds, as the drain last read them from the
     * Worker (its Volunteers metric, dimension Shard), stacked: the top line is all of them.
     */
    static GraphWidget volunteersPerShard() {
        return GraphWidget.Builder.create()
                .title("volunteers per shard of the edge coordinator")
                .left(List.of(MathExpression.Builder.create()
                        .expression("SEARCH('{" + NAMESPACE + ",Shard} MetricName=\"Volunteers\"', 'Maximum', "
                                + (int) PERIOD.toSeconds() + ")")
                        .usingMetrics(Map.of())
                        .label("shard ${PROP('Dim.Shard')}")
                        .period(PERIOD)
                        .build()))
                .stacked(true)
                .width(6 * WIDTH)
                .height(HEIGHT)
                .build();
    }

    private static Metric metric(String name, String provider, String statistic, String label) {
        return Metric.Builder.create()
                .namespace(NAMESPACE)
                .metricName(name)
                .dimensionsMap(Map.of(SUBSTRATE, provider))
                .statistic(statistic)
                .period(PERIOD)
                .label(label)
                .build();
    }

    private static GraphWidget graph(String title, IMetric... metrics) {
        return GraphWidget.Builder.create()
                .title(title)
                .left(List.of(metrics))
                .width(WIDTH)
                .height(HEIGHT)
                .build();
    }

    public Dashboard dashboard() {
        return dashboard;
    }

    public Alarm deadLetters() {
        return deadLetters;
    }

    public Alarm workerErrors() {
        return workerErrors;
    }
}
