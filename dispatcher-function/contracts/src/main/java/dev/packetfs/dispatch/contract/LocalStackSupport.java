package dev.packetfs.dispatch.contract;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.localstack.LocalStackContainer;

/**
 * What every {@code *LocalStackDockerIT} needs: a Docker engine and, since March 2026, a
 * {@code LOCALSTACK_AUTH_TOKEN}, passed through to the container. A class annotated
 * {@link RequiresLocalStack} is skipped without them, the report naming what is missing and the
 * test that checks the same on this machine.
 */
public final class LocalStackSupport implements ExecutionCondition {
    public static final String IMAGE = "localstack/localstack:4.9";
    private static final String TOKEN = System.getenv("LOCALSTACK_AUTH_TOKEN");

    /** Marks a test class that runs against LocalStack. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(LocalStackSupport.class)
    public @interface RequiresLocalStack {
        /** The test that checks the same without Docker, named in the skip reason. */
        String coveredHereBy();
    }

    public static LocalStackContainer container() {
        return new LocalStackContainer(IMAGE).withEnv("LOCALSTACK_AUTH_TOKEN", TOKEN);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String coveredBy = context.getTestClass()
                .flatMap(c -> AnnotationSupport.findAnnotation(c, RequiresLocalStack.class))
                .map(RequiresLocalStack::coveredHereBy)
                .orElse("");
        if (!dockerAvailable()) {
            return ConditionEvaluationResult.disabled("no Docker engine here, so no LocalStack; " + coveredBy);
        }
        if (TOKEN == null || TOKEN.isBlank()) {
            return ConditionEvaluationResult.disabled(
                    "LOCALSTACK_AUTH_TOKEN is not set (LocalStack images need one since March 2026); " + coveredBy);
        }
        return ConditionEvaluationResult.enabled("Docker and LOCALSTACK_AUTH_TOKEN are here");
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
