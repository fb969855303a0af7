package io.kindling.frontend;

/** Builds the ARNs Kindling reports, in its configured region and account. */
public record Arns(String region, String accountId) {
    public Arns {
        if (!region.matches("[a-z]{2}(-gov)?-[a-z]+-\\d")) {
            throw new IllegalArgumentException("region must look like an AWS region (e.g. us-east-1), not: " + region);
        }
        if (!accountId.matches("\\d{12}")) {
            throw new IllegalArgumentException("account id must be 12 digits, not: " + accountId);
        }
    }

    public String function(String name) {
        return "arn:aws:lambda:" + region + ":" + accountId + ":function:" + name;
    }

    public String function(String name, String qualifier) {
        return qualifier == null ? function(name) : function(name) + ":" + qualifier;
    }
}
