package medkg.neo4j;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Embedded Neo4j with a Bolt port: a real server for medkg's tests and development where
 * Docker is not available.
 *
 * <pre>
 * java ... medkg.neo4j.Main --data DIR [--host 127.0.0.1] [--port 7687] [--password PW]
 *                           [--pagecache-mb 96]
 * </pre>
 *
 * <p>Prints {@code READY bolt://host:port} once the default database is up and the password is
 * set, then runs until SIGTERM, when a shutdown hook stops the DBMS cleanly (a killed JVM would
 * leave recovery work for the next start).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        Path data = Path.of(opts.getOrDefault("data", "neo4j-data")).toAbsolutePath();
        String host = opts.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(opts.getOrDefault("port", "7687"));
        // An empty password means "no auth": only for throwaway local use.
        String password = opts.getOrDefault("password", System.getenv().getOrDefault("NEO4J_PASSWORD", ""));
        long pageCacheMb = Long.parseLong(opts.getOrDefault("pagecache-mb", "96"));
        boolean auth = !password.isEmpty();

        long t0 = System.nanoTime();
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(data)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                // Tests and benchmarks churn data: keep the transaction log small.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("STOPPING");
            System.out.flush();
            try {
                dbms.shutdown();
            } finally {
                stopped.countDown();
            }
        }, "neo4j-shutdown"));

        if (auth) {
            setPassword(dbms, password);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("READY bolt://%s:%d auth=%s started_in=%.1fs%n", host, port, auth, seconds);
        System.out.flush();
        stopped.await();
    }

    /** Set user neo4j's password through the system database (embedded calls bypass auth). */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (RuntimeException e) {
            // Restarting on an existing data dir with the same password: nothing to change.
            if (!String.valueOf(messages(e)).contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for --" + key);
            }
            out.put(key, value);
        }
        return out;
    }
}
