package io.kindling.events;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's region and account, to write qualified function ARNs into destination records, and the
 * parser for destination ARNs (only Lambda functions are accepted as destinations by the control plane).
 */
public record FunctionArns(String region, String account) {
    private static final Pattern FUNCTION_ARN = Pattern.compile(
            "arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\\d{12}:function:([a-zA-Z0-9_-]{1,64})(?::(\\$LATEST|[a-zA-Z0-9_-]{1,128}))?");

    /** A function to send a destination record to. */
    public record Target(String functionName, String qualifier) {}

    public FunctionArns {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(account, "account");
    }

    /** {@code arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER}, as the record's {@code functionArn}. */
    public String qualified(String functionName, String qualifier) {
        return "arn:aws:lambda:" + region + ":" + account + ":function:" + functionName + ":" + qualifier;
    }

    /** The function a destination ARN names, its qualifier {@code $LATEST} when it has none; empty if not a function ARN. */
    public static Optional<Target> parse(String arn) {
        Matcher m = FUNCTION_ARN.matcher(arn);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Target(m.group(1), m.group(2) == null ? "$LATEST" : m.group(2)));
    }
}
