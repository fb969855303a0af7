package io.kindling.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FunctionRefTest {
    static final Arns ARNS = new Arns("us-east-1", "123456789012");

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "fn, null, fn, null",
            "fn:1, null, fn, 1",
            "fn:$LATEST, null, fn, $LATEST",
            "fn:live, null, fn, live",
            "fn, 7, fn, 7",
            "fn:7, 7, fn, 7",
            "123456789012:function:fn, null, fn, null",
            "123456789012:function:fn:live, null, fn, live",
            "arn:aws:lambda:us-east-1:123456789012:function:fn, null, fn, null",
            "arn:aws:lambda:us-east-1:123456789012:function:fn:3, null, fn, 3",
            "arn:aws:lambda:us-east-1:123456789012:function:fn, live, fn, live",
    })
    void everyAcceptedFormResolves(String raw, String query, String name, String qualifier) throws Exception {
        FunctionRef ref = FunctionRef.parse(raw, true, query, ARNS);
        assertThat(ref.name()).isEqualTo(name);
        assertThat(ref.qualifier()).isEqualTo(qualifier);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad name", "a/b", "", "fn:", "fn:a:b", "arn:aws:lambda:us-east-1:12345:function:fn"})
    void malformedNamesBreakTheModelPattern(String raw) {
        assertThatThrownBy(() -> FunctionRef.parse(raw, true, null, ARNS))
                .isInstanceOf(RequestException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fn:1", "123456789012:function:fn:1", "arn:aws:lambda:us-east-1:123456789012:function:fn:1"})
    void aQualifierIsRefusedWhereTheOperationTakesNone(String raw) {
        assertThatThrownBy(() -> FunctionRef.parse(raw, false, null, ARNS))
                .isInstanceOf(RequestException.ConstraintViolation.class)
                .hasMessageStartingWith("1 validation error detected: Value '" + raw + "' at 'functionName'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"arn:aws:lambda:eu-west-1:123456789012:function:fn", "999999999999:function:fn",
            "arn:aws:lambda:us-east-1:999999999999:function:fn"})
    void anotherRegionOrAccountIsNotFound(String raw) {
        assertThatThrownBy(() -> FunctionRef.parse(raw, true, null, ARNS))
                .isInstanceOf(RequestException.NotFound.class).hasMessageContaining(raw);
    }

    @org.junit.jupiter.api.Test
    void nameAndQueryQualifiersMustAgree() {
        assertThatThrownBy(() -> FunctionRef.parse("fn:1", true, "2", ARNS))
                .isInstanceOf(RequestException.InvalidParameter.class)
                .hasMessage("The derived qualifier from the function name does not match the specified qualifier.");
    }

    @org.junit.jupiter.api.Test
    void namesAreAtMost64Characters() throws Exception {
        assertThat(FunctionRef.parse("a".repeat(64), false, null, ARNS).name()).hasSize(64);
        assertThatThrownBy(() -> FunctionRef.parse("a".repeat(65), false, null, ARNS))
                .isInstanceOf(RequestException.ConstraintViolation.class)
                .hasMessageContaining("Member must have length less than or equal to 64");
    }
}
