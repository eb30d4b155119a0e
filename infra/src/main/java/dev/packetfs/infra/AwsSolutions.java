package dev.packetfs.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import software.constructs.IConstruct;

/**
 * The findings of cdk-nag's {@code AwsSolutions} pack that this app accepts, each suppressed on
 * its own resource with the reason (listed in infra/README.md). The suppression is metadata in the
 * template; {@code AwsSolutionsChecksIT} runs the pack over every stack and fails on any finding
 * that is not suppressed.
 */
public final class AwsSolutions {
    private AwsSolutions() {}

    /** Accepts {@code rule} on {@code construct}'s own resource (an L2 construct's default child). */
    public static void accept(IConstruct construct, String rule, String reason) {
        NagSuppressions.addResourceSuppressions(construct, List.of(suppression(rule, List.of(), reason)), false);
    }

    /**
     * Accepts the findings of a granular rule (IAM4, IAM5) on {@code construct}'s own resource that
     * name one of {@code appliesTo}: each a literal such as {@code "Action::s3:List*"} or a
     * {@code RegexAppliesTo}.
     */
    public static void accept(IConstruct construct, String rule, List<?> appliesTo, String reason) {
        NagSuppressions.addResourceSuppressions(construct, List.of(suppression(rule, appliesTo, reason)), false);
    }

    /**
     * Accepts {@code rule} (only its findings naming one of {@code appliesTo}, unless empty) on every
     * resource under {@code construct}: for a construct the CDK builds whole, whose parts this app
     * does not name.
     */
    public static void acceptUnder(IConstruct construct, String rule, List<?> appliesTo, String reason) {
        NagSuppressions.addResourceSuppressions(construct, List.of(suppression(rule, appliesTo, reason)), true);
    }

    private static NagPackSuppression suppression(String rule, List<?> appliesTo, String reason) {
        NagPackSuppression.Builder builder =
                NagPackSuppression.builder().id(rule).reason(reason);
        if (!appliesTo.isEmpty()) {
            builder.appliesTo(appliesTo);
        }
        return builder.build();
    }
}
