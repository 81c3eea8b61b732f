import PartmandPostgres
import Testing

@Suite("conninfo redaction")
struct ConninfoRedactionTests {
    @Test(
        "hides passwords",
        arguments: [
            // Keyword/value form.
            ("host=db password=s3cret user=app", "host=db password=*** user=app"),
            ("password=s3cret", "password=***"),
            ("host=db password = s3cret", "host=db password = ***"),
            ("host=db password='a b\\'c' user=app", "host=db password=*** user=app"),
            ("password='it''s' host=db", "password=***"),  // not libpq syntax: malformed after 'it'
            ("password=a\\ b host=db", "password=*** host=db"),
            ("host=db PASSWORD=s3cret", "host=db ***"),  // not a libpq keyword: hidden whole
            ("host=db passwd=s3cret user=app", "host=db *** user=app"),
            ("host=db password=my secret=x", "host=db password=*** ***"),
            ("sslpassword=keypass sslkey=/k.pem", "sslpassword=*** sslkey=/k.pem"),
            ("password= host=db", "password= ***"),  // libpq reads "host=db" as the password
            ("host=db password=", "host=db password="),
            ("host=db\tpassword=s3cret\nuser=app", "host=db\tpassword=***\nuser=app"),
            // Malformed: everything from the point of failure is hidden.
            ("host=db password='unterminated", "host=db password=***"),
            ("host=db password=my secret", "host=db password=*** ***"),
            ("host=db password", "host=db ***"),
            // A database name that is itself a connection string.
            ("dbname='postgres://u:pw@h/db' port=5", "dbname=*** port=5"),
            // URL form.
            ("postgres://app:s3cret@db:5432/orders", "postgres://app:***@db:5432/orders"),
            ("postgresql://app:s3cret@db/orders?sslmode=require", "postgresql://app:***@db/orders?sslmode=require"),
            ("postgresql://app:p%40ss@db/orders", "postgresql://app:***@db/orders"),
            ("postgresql://app:p@ss@db/orders", "postgresql://app:***@db/orders"),
            ("postgresql://app:pa/ss@db/orders", "postgresql://app:***@db/orders"),
            ("postgresql://app:p?ss@db/orders?sslmode=require", "postgresql://app:***@db/orders?sslmode=require"),
            ("postgresql://app:pw@h1:5432,h2:5433/orders", "postgresql://app:***@h1:5432,h2:5433/orders"),
            ("postgresql://db/orders?user=app&password=s3cret", "postgresql://db/orders?user=app&password=***"),
            (
                "postgresql://db/orders?password=s3cret&sslmode=require",
                "postgresql://db/orders?password=***&sslmode=require"
            ),
            ("postgresql://db/orders?pass%77ord=s3cret", "postgresql://db/orders?pass%77ord=***"),
            ("postgresql://db/orders?user=a@b&password=s3cret", "postgresql://db/orders?user=a@b&password=***"),
            ("postgresql://db/orders?password=a&b", "postgresql://db/orders?password=***&***"),
            ("postgresql://db/orders?passwd=s3cret&sslmode=require", "postgresql://db/orders?***&sslmode=require"),
            ("postgresql://app:one@db/orders?password=two", "postgresql://app:***@db/orders?password=***"),
            ("POSTGRES://app:s3cret@db/orders", "POSTGRES://app:***@db/orders"),
        ]
    )
    func hides(conninfo: String, expected: String) {
        let redacted = ConnectionOptions(conninfo: conninfo).redacted
        #expect(redacted == expected)
        for secret in ["s3cret", "keypass", "p@ss", "pa/ss", "p?ss", "it's", "a b"] where conninfo.contains(secret) {
            #expect(!redacted.contains(secret))
        }
    }

    @Test(
        "leaves conninfo without a password alone",
        arguments: [
            "",
            "host=/tmp/partmand-dev port=54329 user=postgres dbname=postgres",
            "host=db application_name='my app'",
            "postgres://app@db:5432/orders",
            "postgresql:///orders?host=/var/run/postgresql",
            "orders",
        ]
    )
    func keeps(conninfo: String) {
        #expect(ConnectionOptions(conninfo: conninfo).redacted == conninfo)
    }
}
