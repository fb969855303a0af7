package io.kindling.wire;

public record AccountSettings(AccountLimit accountLimit, AccountUsage accountUsage) {}
