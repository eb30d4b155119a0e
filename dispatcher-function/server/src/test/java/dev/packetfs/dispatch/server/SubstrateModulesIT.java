package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.ledger.PriceList;
import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.testing.RepositoryPaths;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The server finds every substrate module on its class path without naming one, offers those this
 * deployment configures, and prices each at the list prices docs/worker-protocol.md publishes.
 */
@QuarkusTest
class SubstrateModulesIT {
    @Inject
    @Any
    Instance<SubstrateModule> modules;

    @Inject
    SubstrateSelector selector;

    @Inject
    PriceList prices;

    @Test
    void everySubstrateModuleIsFound() {
        Set<String> names = modules.stream().map(SubstrateModule::name).collect(Collectors.toSet());
        assertEquals(Set.of("local", "lambda", "flyio", "cloudrun", "cloudflare", "browser"), names);
    }

    /** The test profile configures no remote endpoint: only the dispatcher's JVM and the volunteers. */
    @Test
    void onlyConfiguredSubstratesAreOffered() {
        assertEquals(Set.of("local", "browser"), selector.names());
    }

    @Test
    void listPricesAreTheDocumentedOnes() throws IOException {
        Map<String, Map<String, BigDecimal>> documented = documentedPrices();
        assertFalse(documented.isEmpty(), "the billed-units table was read");
        for (SubstrateModule module : modules) {
            assertTrue(documented.containsKey(module.name()), module.name() + " has no row in docs/worker-protocol.md");
            assertEquals(documented.get(module.name()), new TreeMap<>(module.listPrices()), module.name());
            assertEquals(
                    module.listPrices(),
                    prices.usdPerUnit().getOrDefault(module.name(), Map.of()),
                    module.name() + " is priced at its list prices when nothing overrides them");
        }
    }

    /** The last column of the billed-units table: "`requests` 0.0000002, `gb_seconds` 0.0000166667", or "—". */
    private static Map<String, Map<String, BigDecimal>> documentedPrices() throws IOException {
        String doc = Files.readString(RepositoryPaths.find("docs/worker-protocol.md"));
        String table = doc.substring(doc.indexOf("## Billed units"), doc.indexOf("## Reading a window"));
        Pattern unitPrice = Pattern.compile("`(\\w+)` ([0-9.]+)");
        Map<String, Map<String, BigDecimal>> documented = new HashMap<>();
        for (String row : table.split("\n")) {
            String[] cells = row.split("\\|");
            if (cells.length < 5 || !cells[1].strip().startsWith("`")) {
                continue;
            }
            Map<String, BigDecimal> units = new TreeMap<>();
            Matcher m = unitPrice.matcher(cells[4]);
            while (m.find()) {
                units.put(m.group(1), new BigDecimal(m.group(2)));
            }
            for (String name : cells[1].replace("`", "").split(",")) {
                documented.put(name.strip(), units);
            }
        }
        return documented;
    }
}
