package io.kindling.frontend.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The canonicalisation rules one at a time, where the suite's vectors only show them together. */
class CanonicalRequestTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "''                 | /",
        "/                  | /",
        "//                 | /",
        "/./                | /",
        "/example/..        | /",
        "/a/b/..            | /a/",
        "/a/./b             | /a/b",
        "//example//        | /example/",
        "/a/b/../../../c    | /c",
        "/example space/    | /example%20space/",
        "/%20/foo           | /%2520/foo",
        "/a%2Fb             | /a%252Fb",
        "/-._~AZaz09        | /-._~AZaz09",
        "/a+b*c(d)!'        | /a%2Bb%2Ac%28d%29%21%27",
    })
    void canonicalUri(String rawPath, String expected) {
        assertThat(CanonicalRequest.canonicalUri(rawPath)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "b=2&a=1                 | a=1&b=2",
        "a=2&a=1&A=3             | A=3&a=1&a=2",
        "a&b=                    | a=&b=",
        "a=1&&b=2                | a=1&b=2",
        "Marker=abc%2fdef        | Marker=abc%2Fdef",
        "Marker=abc/def          | Marker=abc%2Fdef",
        "q=a+b                   | q=a%2Bb",
        "q=a%20b                 | q=a%20b",
        "q=%E1%88%B4             | q=%E1%88%B4",
        "q=100%                  | q=100%25",
        "q=%zz                   | q=%25zz",
        "q=%FF                   | q=%FF",
        "x=a=b                   | x=a%3Db",
        "~-._=~-._               | ~-._=~-._",
    })
    void canonicalQuery(String rawQuery, String expected) {
        assertThat(CanonicalRequest.canonicalQuery(QueryParameter.parse(rawQuery))).isEqualTo(expected);
    }

    @Test
    void headerValuesAreTrimmedCollapsedAndJoined() {
        RequestHeaders headers = RequestHeaders.builder()
                .add("Host", "example.com")
                .add("My-Header", "  a   b \t c  ")
                .add("my-header", "d")
                .build();

        assertThat(CanonicalRequest.canonicalHeaders(headers, List.of("host", "my-header")))
                .isEqualTo("host:example.com\nmy-header:a b c,d\n");
    }

    @Test
    void theAuthorizationHeaderIsParsedWithOrWithoutSpacesAfterCommas() throws AuthException {
        AuthorizationHeader parsed = AuthorizationHeader.parse("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/"
                + "lambda/aws4_request,SignedHeaders=host;x-amz-date,  Signature=abc");

        assertThat(parsed.credential()).isEqualTo(new CredentialScope("AKID", "20150830", "us-east-1", "lambda"));
        assertThat(parsed.signedHeaders()).containsExactly("host", "x-amz-date");
        assertThat(parsed.signature()).isEqualTo("abc");
    }

    @Test
    void anotherAuthorizationSchemeIsAnIncompleteSignature() {
        AuthException e = catchThrowableOfType(AuthException.class,
                () -> AuthorizationHeader.parse("Bearer eyJhbGciOi"));

        assertThat(e.failure()).isEqualTo(AuthFailure.INCOMPLETE_SIGNATURE);
    }

    @Test
    void aCredentialWithTheWrongTerminatorIsAnIncompleteSignature() {
        AuthException e = catchThrowableOfType(AuthException.class,
                () -> CredentialScope.parse("AKID/20150830/us-east-1/lambda/aws5_request"));

        assertThat(e.failure()).isEqualTo(AuthFailure.INCOMPLETE_SIGNATURE);
        assertThat(e.getMessage()).isEqualTo("Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ");
    }

    @Test
    void datesAreReadInBothFormsAndWrittenInTheBasicOne() throws AuthException {
        Instant instant = Instant.parse("2015-08-30T12:36:00Z");

        assertThat(AmzDate.parseBasic("20150830T123600Z")).isEqualTo(instant);
        assertThat(AmzDate.parseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT")).isEqualTo(instant);
        assertThat(AmzDate.format(instant)).isEqualTo("20150830T123600Z");
        assertThat(catchThrowableOfType(AuthException.class, () -> AmzDate.parseBasic("2015-08-30T12:36:00Z")).getMessage())
                .isEqualTo("Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601");
    }
}
