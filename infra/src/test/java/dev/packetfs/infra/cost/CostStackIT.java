package dev.packetfs.infra.cost;

import static dev.packetfs.infra.IamPolicies.list;
import static dev.packetfs.infra.IamPolicies.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.infra.ContextValues;
import dev.packetfs.infra.Exports;
import dev.packetfs.infra.IamPolicies;
import dev.packetfs.infra.TestArtifacts;
import dev.packetfs.infra.worker.WorkerSettings;
import dev.packetfs.infra.worker.WorkerStack;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The cost stack as synthesized: the dashboard's rows, and the two alarms with and without mail. */
class CostStackIT {
    static Template worker;
    static Template cost;
    static Template quiet;
    static JsonNode widgets;

    @BeforeAll
    static void synth() throws Exception {
        App app = new App();
        WorkerStack w = new WorkerStack(
                app,
                "PacketfsWorker",
                StackProps.builder().build(),
                WorkerSettings.from(new ContextValues(key -> null)),
                TestArtifacts.placeholderFunction());
        CostStack c = new CostStack(
                app,
                "PacketfsCost",
                StackProps.builder().build(),
                CostSettings.from(new ContextValues(Map.<String, Object>of(
                        "packetfs:workerErrorsThreshold", 3, "packetfs:alarmEmail", "ops@example.com")::get)),
                w);
        CostStack q =
                new CostStack(app, "Quiet", StackProps.builder().build(), new CostSettings(5, Optional.empty()), w);
        worker = Template.fromStack(w);
        cost = Template.fromStack(c);
        quiet = Template.fromStack(q);
        widgets = new ObjectMapper().readTree(dashboardBody(cost)).get("widgets");
    }

    @Test
    void alarmsComeFirstThenOneRowPerProvider() {
        JsonNode alarms = widgets.get(0);
        assertEquals("alarm", alarms.get("type").asText());
        assertEquals(2, alarms.get("properties").get("alarms").size());
        assertEquals(1 + 6 * CostStack.PROVIDERS.size() + 1, widgets.size());
        for (int row = 0; row < CostStack.PROVIDERS.size(); row++) {
            String provider = CostStack.PROVIDERS.get(row);
            List<JsonNode> cells = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                cells.add(widgets.get(1 + row * 6 + i));
            }
            int y = cells.get(0).get("y").asInt();
            for (int i = 0; i < 6; i++) {
                assertEquals(y, cells.get(i).get("y").asInt(), provider + " row is one row");
                assertEquals(4 * i, cells.get(i).get("x").asInt());
            }
            assertEquals("text", cells.get(0).get("type").asText());
            assertTrue(cells.get(0).get("properties").get("markdown").asText().startsWith("### " + provider));

            assertEquals(List.of("PacketFS CostUsd Substrate=" + provider + " Sum"), metrics(cells.get(1)));
            assertEquals(
                    List.of(
                            "= cost / (bytes / 1000000000)",
                            "PacketFS Bytes Substrate=" + provider + " Sum as bytes",
                            "PacketFS CostUsd Substrate=" + provider + " Sum as cost"),
                    metrics(cells.get(2)));
            assertEquals(
                    List.of(
                            "= executions / PERIOD(executions)",
                            "PacketFS Executions Substrate=" + provider + " Sum as executions"),
                    metrics(cells.get(3)));
            assertEquals(List.of("PacketFS LatencyMs Substrate=" + provider + " p99"), metrics(cells.get(4)));
            assertEquals(
                    List.of(
                            "PacketFS Failures Substrate=" + provider + " Sum",
                            "PacketFS Throttles Substrate=" + provider + " Sum"),
                    metrics(cells.get(5)));
        }
    }

    @Test
    void deadLetterGrowthAlarmsOnAnyRiseInFiveMinutes() {
        cost.hasResourceProperties(
                "AWS::CloudWatch::Alarm",
                Map.of(
                        "Metrics",
                        List.of(
                                Map.of(
                                        "Id",
                                        Match.anyValue(),
                                        "Expression",
                                        "DIFF(deadLetters)",
                                        "Label",
                                        Match.anyValue(),
                                        "ReturnData",
                                        true),
                                Map.of(
                                        "Id",
                                        "deadLetters",
                                        "ReturnData",
                                        false,
                                        "MetricStat",
                                        Map.of(
                                                "Metric",
                                                Map.of("Namespace", "PacketFS", "MetricName", "DeadLetters"),
                                                "Period",
                                                60,
                                                "Stat",
                                                "Maximum"))),
                        "ComparisonOperator",
                        "GreaterThanThreshold",
                        "Threshold",
                        0,
                        "EvaluationPeriods",
                        5,
                        "DatapointsToAlarm",
                        1,
                        "TreatMissingData",
                        "notBreaching"));
        // The gauge has no dimension.
        Map<String, Object> stat = map(cost.findResources(
                        "AWS::CloudWatch::Alarm", Map.of("Properties", Map.of("Metrics", Match.anyValue())))
                .values()
                .iterator()
                .next());
        assertTrue(!stat.toString().contains("Dimensions"), stat::toString);
    }

    @Test
    void workerErrorsAlarmWatchesTheAliasAboveTheThreshold() {
        Map<String, Object> alarm =
                map(cost.findResources("AWS::CloudWatch::Alarm", Map.of("Properties", Map.of("MetricName", "Errors")))
                        .values()
                        .iterator()
                        .next()
                        .get("Properties"));
        assertEquals("AWS/Lambda", alarm.get("Namespace"));
        assertEquals("Sum", alarm.get("Statistic"));
        assertEquals(300, ((Number) alarm.get("Period")).intValue());
        assertEquals(3, ((Number) alarm.get("Threshold")).intValue());
        assertEquals("GreaterThanThreshold", alarm.get("ComparisonOperator"));
        String function = worker.getResourceId("AWS::Lambda::Function");
        List<Object> dimensions = list(alarm.get("Dimensions"));
        assertEquals(
                function, Exports.refBehind(worker, map(map(dimensions.get(0)).get("Value"))));
        assertEquals("FunctionName", map(dimensions.get(0)).get("Name"));
        assertEquals("Resource", map(dimensions.get(1)).get("Name"));
        assertTrue(IamPolicies.literal(map(dimensions.get(1)).get("Value")).endsWith(":live"), dimensions::toString);
    }

    @Test
    void alarmsMailTheOperatorOnlyWhenAnAddressIsGiven() {
        String topic = cost.getResourceId("AWS::SNS::Topic");
        cost.hasResourceProperties(
                "AWS::SNS::Subscription",
                Map.of("Protocol", "email", "Endpoint", "ops@example.com", "TopicArn", Map.of("Ref", topic)));
        cost.resourcePropertiesCountIs(
                "AWS::CloudWatch::Alarm",
                Map.of("AlarmActions", List.of(Map.of("Ref", topic)), "OKActions", List.of(Map.of("Ref", topic))),
                2);

        quiet.resourceCountIs("AWS::SNS::Topic", 0);
        quiet.resourceCountIs("AWS::CloudWatch::Alarm", 2);
        quiet.resourcePropertiesCountIs("AWS::CloudWatch::Alarm", Map.of("AlarmActions", Match.absent()), 2);
        quiet.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("MetricName", "Errors", "Threshold", 5));
    }

    /**
     * The topic refuses publishing over plain HTTP; its policy replaces SNS's default one, so it
     * must let the two alarms, and only them, publish.
     */
    @Test
    void topicTakesTlsOnlyAndOnlyFromTheTwoAlarms() {
        String topic = cost.getResourceId("AWS::SNS::Topic");
        List<Object> statements = list(map(map(cost.findResources("AWS::SNS::TopicPolicy")
                                .values()
                                .iterator()
                                .next()
                                .get("Properties"))
                        .get("PolicyDocument"))
                .get("Statement"));
        assertEquals(2, statements.size(), statements::toString);
        Map<String, Object> deny = map(statements.get(0));
        assertEquals("Deny", deny.get("Effect"));
        assertEquals(Map.of("Bool", Map.of("aws:SecureTransport", "false")), deny.get("Condition"));
        Map<String, Object> allow = map(statements.get(1));
        assertEquals("Allow", allow.get("Effect"));
        assertEquals(Map.of("Service", "cloudwatch.amazonaws.com"), allow.get("Principal"));
        assertEquals("sns:Publish", allow.get("Action"));
        assertEquals(Map.of("Ref", topic), allow.get("Resource"));
        Set<Object> alarms = cost.findResources("AWS::CloudWatch::Alarm").keySet().stream()
                .map(alarm -> Map.of("Fn::GetAtt", List.of(alarm, "Arn")))
                .collect(Collectors.toSet());
        Map<String, Object> conditions = map(allow.get("Condition"));
        assertEquals(alarms, Set.copyOf(list(map(conditions.get("ArnEquals")).get("aws:SourceArn"))));
        assertEquals(Map.of("aws:SourceAccount", Map.of("Ref", "AWS::AccountId")), conditions.get("StringEquals"));
    }

    @Test
    void theLastRowStacksTheVolunteersOfEachShard() {
        JsonNode volunteers = widgets.get(widgets.size() - 1);
        assertEquals("metric", volunteers.get("type").asText());
        assertEquals(24, volunteers.get("width").asInt());
        assertTrue(volunteers.get("properties").get("stacked").asBoolean());
        assertEquals(
                List.of("= SEARCH('{PacketFS,Shard} MetricName=\"Volunteers\"', 'Maximum', 300)"), metrics(volunteers));
        JsonNode expression = volunteers.get("properties").get("metrics").get(0).get(0);
        assertEquals("shard ${PROP('Dim.Shard')}", expression.get("label").asText());
    }

    @Test
    void onlyTheDispatchersMetricNamesAreRead() {
        List<String> allowed = List.of("Executions", "Failures", "Throttles", "LatencyMs", "Bytes", "CostUsd");
        for (JsonNode widget : widgets) {
            for (JsonNode metric : widget.path("properties").path("metrics")) {
                if (metric.get(0).isTextual()) {
                    assertEquals("PacketFS", metric.get(0).asText());
                    assertTrue(allowed.contains(metric.get(1).asText()), metric::toString);
                    assertEquals("Substrate", metric.get(2).asText());
                }
            }
        }
    }

    @Test
    void noPolicyGrantsWildcards() {
        IamPolicies.assertLeastPrivilege(cost);
    }

    /** A widget's metrics, one line each: "NAMESPACE NAME DIM=VALUE STAT [as ID]", or "= EXPRESSION". */
    static List<String> metrics(JsonNode widget) {
        List<String> lines = new ArrayList<>();
        for (JsonNode metric : widget.get("properties").get("metrics")) {
            JsonNode options = metric.get(metric.size() - 1);
            if (options.has("expression")) {
                lines.add("= " + options.get("expression").asText());
                continue;
            }
            String line = metric.get(0).asText() + " " + metric.get(1).asText() + " "
                    + metric.get(2).asText() + "=" + metric.get(3).asText() + " "
                    + options.get("stat").asText();
            lines.add(options.has("id") ? line + " as " + options.get("id").asText() : line);
        }
        return lines;
    }

    /** The dashboard's JSON with each token (region, alarm ARNs) replaced by the word TOKEN. */
    static String dashboardBody(Template template) {
        Object body = map(template.findResources("AWS::CloudWatch::Dashboard")
                        .values()
                        .iterator()
                        .next()
                        .get("Properties"))
                .get("DashboardBody");
        if (body instanceof String s) {
            return s;
        }
        StringBuilder text = new StringBuilder();
        for (Object part : list(list(map(body).get("Fn::Join")).get(1))) {
            text.append(part instanceof String s ? s : "TOKEN");
        }
        return text.toString();
    }
}
