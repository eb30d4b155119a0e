package dev.packetfs.infra;

import static dev.packetfs.infra.IamPolicies.map;

import java.util.Map;
import software.amazon.awscdk.assertions.Template;

/** Cross-stack references, followed back to the resource they name. */
public final class Exports {
    private Exports() {}

    /** The logical id in {@code exporter} behind a {@code {"Fn::ImportValue": …}} of its exports. */
    public static String refBehind(Template exporter, Object importValue) {
        Object name = map(importValue).get("Fn::ImportValue");
        for (Map<String, Object> output : exporter.findOutputs("*").values()) {
            Map<String, Object> export = map(output.get("Export"));
            if (export != null && name != null && name.equals(export.get("Name"))) {
                return (String) map(output.get("Value")).get("Ref");
            }
        }
        throw new AssertionError("no export of the stack is " + importValue);
    }
}
