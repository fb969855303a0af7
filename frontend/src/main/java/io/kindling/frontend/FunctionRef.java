package io.kindling.frontend;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A FunctionName as a caller wrote it, in any of its accepted forms: {@code name},
 * {@code name:qualifier}, {@code 123456789012:function:name[:qualifier]} or
 * {@code arn:aws:lambda:region:123456789012:function:name[:qualifier]}.
 */
record FunctionRef(String name, String qualifier) {
    /** The API model's pattern for FunctionName members that may carry a qualifier. */
    static final Pattern QUALIFIED = Pattern.compile(
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
    /** The pattern for members that name the function only. */
    static final Pattern UNQUALIFIED = Pattern.compile(
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)");
    static final Pattern QUALIFIER = Pattern.compile("(|[a-zA-Z0-9$_-]+)");

    private static final Pattern FORMS = Pattern.compile(
            "(?:arn:aws[a-zA-Z-]*:lambda:(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\\d):(?<account1>\\d{12}):function:"
            + "|(?<account2>\\d{12}):function:)?(?<name>[a-zA-Z0-9_-]+)(?::(?<qualifier>\\$LATEST|[a-zA-Z0-9_-]+))?");

    /**
     * Parses {@code raw} (already percent-decoded) and reconciles it with a separate
     * {@code ?Qualifier}. ARNs of another region or account name no function of this server,
     * which the caller learns as "not found" just as Lambda answers for an ARN it does not hold.
     */
    static FunctionRef parse(String raw, boolean qualifierAllowed, String queryQualifier, Arns arns)
            throws RequestException {
        Violations v = new Violations()
                .length("functionName", raw, 1, qualifierAllowed ? 170 : 140)
                .pattern("functionName", raw, qualifierAllowed ? QUALIFIED : UNQUALIFIED)
                .length("qualifier", queryQualifier, 1, 128)
                .pattern("qualifier", queryQualifier, QUALIFIER);
        v.throwIfAny();
        Matcher m = FORMS.matcher(raw);
        if (!m.matches()) {
            // The model's pattern is looser than the forms Lambda resolves (e.g. "function:name").
            throw new RequestException.InvalidParameter("FunctionName is not a function name, a partial ARN"
                    + " (123456789012:function:name) or a full ARN: " + raw);
        }
        String name = m.group("name");
        if (name.length() > 64) {
            new Violations().length("functionName", name, 1, 64).throwIfAny();
        }
        String region = m.group("region");
        String account = m.group("account1") != null ? m.group("account1") : m.group("account2");
        if ((region != null && !region.equals(arns.region())) || (account != null && !account.equals(arns.accountId()))) {
            throw new RequestException.NotFound("Function not found: " + raw);
        }
        String qualifier = m.group("qualifier");
        if (qualifier != null && queryQualifier != null && !queryQualifier.isEmpty() && !qualifier.equals(queryQualifier)) {
            throw new RequestException.InvalidParameter("The derived qualifier from the function name does not match"
                    + " the specified qualifier.");
        }
        if (qualifier == null && queryQualifier != null && !queryQualifier.isEmpty()) {
            qualifier = queryQualifier;
        }
        return new FunctionRef(name, qualifier);
    }
}
