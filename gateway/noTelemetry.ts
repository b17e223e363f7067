/**
 * Imported for its effect, before anything from Apollo. The product connects to nothing but
 * its legacy systems, its subgraphs and Redis:
 * - @apollo/gateway starts OpenTelemetry resource detectors (which probe cloud metadata
 *   addresses) and an hourly metrics export to Apollo in the ApolloGateway constructor unless
 *   APOLLO_TELEMETRY_DISABLED is '1' or 'true', so it is set whatever the environment says;
 * - Apollo Server turns usage and schema reporting on by itself when it finds an Apollo key or
 *   APOLLO_SCHEMA_REPORTING; the factories also install the *Disabled plugins, and these
 *   variables are removed so that no code path can pick a key up.
 */
process.env.APOLLO_TELEMETRY_DISABLED = '1';
for (const name of ['APOLLO_KEY', 'APOLLO_GRAPH_REF', 'APOLLO_GRAPH_ID', 'APOLLO_SCHEMA_REPORTING']) {
  delete process.env[name];
}
