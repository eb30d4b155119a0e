package dev.packetfs.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awscdk.assertions.Template;

/**
 * The IAM rules every template keeps, checked over every policy document in it: no action is a
 * wildcard ({@code *}, {@code service:*}), and invoking a function or reading a secret is never
 * granted on {@code Resource: "*"} (or an ARN ending in {@code *}).
 */
public final class IamPolicies {
    /** Actions that must always name their resource. */
    private static final Set<String> NAMED_RESOURCE_ONLY = Set.of(
            "lambda:InvokeFunction",
            "lambda:InvokeFunctionUrl",
            "lambda:GetFunctionConfiguration",
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret");

    private IamPolicies() {}

    public static void assertLeastPrivilege(Template template) {
        List<Map<String, Object>> statements = allowStatements(template);
        for (Map<String, Object> statement : statements) {
            for (String action : strings(statement.get("Action"))) {
                if (action.equals("*") || action.endsWith(":*")) {
                    fail("wildcard action " + action + " in " + statement);
                }
                if (NAMED_RESOURCE_ONLY.contains(action)) {
                    for (Object resource : list(statement.get("Resource"))) {
                        String literal = literal(resource);
                        if (literal.equals("*") || literal.endsWith("*")) {
                            fail(action + " on a wildcard resource " + resource + " in " + statement);
                        }
                    }
                }
            }
        }
    }

    /** The Allow statements of every identity policy, inline role policy and resource policy. */
    public static List<Map<String, Object>> allowStatements(Template template) {
        List<Map<String, Object>> statements = new ArrayList<>();
        for (Map<String, Object> resource : resources(template).values()) {
            Map<String, Object> properties = map(resource.get("Properties"));
            if (properties == null) {
                continue;
            }
            addStatements(statements, properties.get("PolicyDocument"));
            for (Object inline : list(properties.get("Policies"))) {
                addStatements(statements, map(inline).get("PolicyDocument"));
            }
        }
        return statements;
    }

    /** The Allow statements of the policies attached to the role {@code roleId}. */
    public static List<Map<String, Object>> statementsOfRole(Template template, String roleId) {
        List<Map<String, Object>> statements = new ArrayList<>();
        template.findResources("AWS::IAM::Policy").values().forEach(policy -> {
            Map<String, Object> properties = map(policy.get("Properties"));
            if (list(properties.get("Roles")).contains(Map.of("Ref", roleId))) {
                addStatements(statements, properties.get("PolicyDocument"));
            }
        });
        return statements;
    }

    /** The logical id of the role a function runs as. */
    public static String roleOfFunction(Template template, String functionId) {
        Map<String, Object> function = resources(template).get(functionId);
        Map<String, Object> role = map(map(function.get("Properties")).get("Role"));
        List<Object> getAtt = list(role.get("Fn::GetAtt"));
        assertEquals("Arn", getAtt.get(1));
        return (String) getAtt.get(0);
    }

    /**
     * The statement that lets a function write to its own log group: the only logs permission its
     * role has (no {@code AWSLambdaBasicExecutionRole}, which allows them on every group).
     */
    public static Map<String, Object> writeOwnLogs(Template template, String functionId) {
        Map<String, Object> properties = map(resources(template).get(functionId).get("Properties"));
        Object logGroup =
                map(map(properties.get("LoggingConfig")).get("LogGroup")).get("Ref");
        return Map.of(
                "Action",
                List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                "Effect",
                "Allow",
                "Resource",
                Map.of("Fn::GetAtt", List.of(logGroup, "Arn")));
    }

    /** The managed policies attached to the role {@code roleId}, as the template names them. */
    public static List<Object> managedPoliciesOfRole(Template template, String roleId) {
        return list(map(resources(template).get(roleId).get("Properties")).get("ManagedPolicyArns"));
    }

    /** Every action granted to the role, spelled out. */
    public static void assertNoWildcardInActions(Template template, String roleId) {
        for (Map<String, Object> statement : statementsOfRole(template, roleId)) {
            for (String action : strings(statement.get("Action"))) {
                assertFalse(action.contains("*"), () -> "role " + roleId + " has a wildcard action " + action);
            }
        }
    }

    public static Map<String, Map<String, Object>> resources(Template template) {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> resources =
                (Map<String, Map<String, Object>>) template.toJSON().get("Resources");
        return resources;
    }

    private static void addStatements(List<Map<String, Object>> into, Object document) {
        if (document == null) {
            return;
        }
        for (Object statement : list(map(document).get("Statement"))) {
            Map<String, Object> s = map(statement);
            if ("Allow".equals(s.get("Effect"))) {
                into.add(s);
            }
        }
    }

    /** A value as text, with every intrinsic function's result written {@code ${…}}. */
    public static String literal(Object value) {
        if (value instanceof String s) {
            return s;
        }
        Map<String, Object> m = map(value);
        if (m != null && m.containsKey("Fn::Join")) {
            StringBuilder text = new StringBuilder();
            for (Object part : list(list(m.get("Fn::Join")).get(1))) {
                text.append(literal(part));
            }
            return text.toString();
        }
        return "${…}";
    }

    public static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        for (Object o : list(value)) {
            out.add((String) o);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object value) {
        if (value == null) {
            return List.of();
        }
        return value instanceof List<?> l ? (List<Object>) l : List.of(value);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }
}
