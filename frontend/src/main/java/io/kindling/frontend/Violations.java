package io.kindling.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Collects API-model constraint violations and reports them the way AWS's request validation
 * does: {@code 1 validation error detected: Value 'x' at 'memorySize' failed to satisfy
 * constraint: Member must have value greater than or equal to 128}.
 */
final class Violations {
    private final List<String> found = new ArrayList<>();

    Violations range(String field, Integer value, long min, long max) {
        if (value != null) {
            if (value < min) {
                add(field, value, "Member must have value greater than or equal to " + min);
            } else if (value > max) {
                add(field, value, "Member must have value less than or equal to " + max);
            }
        }
        return this;
    }

    Violations length(String field, String value, int min, int max) {
        if (value != null) {
            int n = value.codePointCount(0, value.length());
            if (n < min) {
                add(field, value, "Member must have length greater than or equal to " + min);
            } else if (n > max) {
                add(field, value, "Member must have length less than or equal to " + max);
            }
        }
        return this;
    }

    Violations pattern(String field, String value, Pattern pattern) {
        if (value != null && !pattern.matcher(value).matches()) {
            add(field, value, "Member must satisfy regular expression pattern: " + pattern.pattern());
        }
        return this;
    }

    Violations required(String field, Object value) {
        if (value == null) {
            found.add("Value null at '" + field + "' failed to satisfy constraint: Member must not be null");
        }
        return this;
    }

    Violations oneOf(String field, String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            add(field, value, "Member must satisfy enum value set: [" + String.join(", ", allowed) + "]");
        }
        return this;
    }

    Violations add(String field, Object value, String constraint) {
        found.add("Value '" + value + "' at '" + field + "' failed to satisfy constraint: " + constraint);
        return this;
    }

    void throwIfAny() throws RequestException.ConstraintViolation {
        if (!found.isEmpty()) {
            throw new RequestException.ConstraintViolation(found.size() + " validation error" + (found.size() == 1 ? "" : "s")
                    + " detected: " + String.join("; ", found));
        }
    }
}
