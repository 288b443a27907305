import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  SegmentedControl,
  Stack,
  Table,
  Tabs,
  Text,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { del, get } from "../../api/client.ts";
import type { Collector, Customer, EnrolmentToken, Page, Site } from "../../api/types.ts";
import { ConfirmButton } from "../../components/ConfirmButton.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { EmptyState, MutationError, PageSkeleton, QueryError } from "../../components/states.tsx";
import { useFormat, useSession } from "../../session/session.tsx";
import { EnrolModal } from "./EnrolModal.tsx";
import { type Health, healthColors, healthOf } from "./health.ts";

/** Names for ids in the lists: customers and sites the user may see (one page of each is plenty here). */
export function useNames() {
  const session = useSession();
  const customers = useQuery({
    queryKey: ["customers", "options"],
    queryFn: ({ signal }) => get<Page<Customer>>("/customers", { limit: 200, sort: "name" }, signal),
    enabled: session.can("tenants") && session.scopeKind !== "customer",
    staleTime: 5 * 60_000,
  });
  const sites = useQuery({
    queryKey: ["sites", "options", "all"],
    queryFn: ({ signal }) => get<Page<Site>>("/sites", { limit: 200, sort: "name" }, signal),
    enabled: session.can("tenants"),
    staleTime: 5 * 60_000,
  });
  const customerNames = new Map((customers.data?.items ?? []).map((c) => [c.id, c.name]));
  const siteNames = new Map((sites.data?.items ?? []).map((s) => [s.id, s.name]));
  return { customer: (id: string) => customerNames.get(id), site: (id: string) => siteNames.get(id) };
}

const healthFilters = ["all", "online", "offline", "pending", "revoked"] as const;

function CollectorsTable() {
  const { t } = useTranslation("collectors");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const names = useNames();
  const [params, setParams] = useSearchParams();
  const health = (healthFilters as readonly string[]).includes(params.get("health") ?? "")
    ? (params.get("health") as Health | "all")
    : "all";
  const list = useInfiniteQuery({
    queryKey: ["collectors", "list"],
    queryFn: ({ pageParam, signal }) =>
      get<Page<Collector>>("/collectors", { limit: 200, sort: "name", cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 60_000,
  });
  const all = list.data?.pages.flatMap((p) => p.items) ?? [];
  const shown = health === "all" ? all : all.filter((c) => healthOf(c) === health);
  return (
    <Stack>
      <SegmentedControl
        value={health}
        onChange={(v) => setParams(v === "all" ? {} : { health: v }, { replace: true })}
        data={healthFilters.map((h) => ({ value: h, label: t(`health.${h}`) }))}
        aria-label={t("health.filter")}
        w="fit-content"
      />
      {list.isPending ? (
        <PageSkeleton />
      ) : list.isError ? (
        <QueryError error={list.error} onRetry={() => void list.refetch()} />
      ) : shown.length === 0 ? (
        <EmptyState>{all.length === 0 ? t("empty") : tc("state.noResults")}</EmptyState>
      ) : (
        <Card withBorder padding={0}>
          <Table.ScrollContainer minWidth={820}>
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("column.name")}</Table.Th>
                  <Table.Th>{t("column.place")}</Table.Th>
                  <Table.Th>{t("column.health")}</Table.Th>
                  <Table.Th>{t("column.lastContact")}</Table.Th>
                  <Table.Th>{t("column.lastScan")}</Table.Th>
                  <Table.Th>{t("column.version")}</Table.Th>
                  <Table.Th ta="right">{t("column.queue")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((c) => {
                  const h = healthOf(c);
                  return (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/collectors/${c.id}`} fw={500} size="sm">
                          {c.name || c.hostname || t("unnamed")}
                        </Anchor>
                        {c.hostname && c.name && (
                          <Text size="xs" c="dimmed">
                            {c.hostname}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{names.customer(c.customerId) ?? ""}</Text>
                        <Text size="xs" c="dimmed">
                          {names.site(c.siteId) ?? ""}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          <Badge color={healthColors[h]} variant="light">
                            {t(`health.${h}`)}
                          </Badge>
                          {c.errors.length > 0 && (
                            <Badge color="orange" variant="outline" title={c.errors.at(-1)}>
                              {t("errors", { count: c.errors.length })}
                            </Badge>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" title={f.dateTime(c.lastContactAt)}>
                          {f.relative(c.lastContactAt)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{f.relative(c.lastScanAt)}</Text>
                        {c.lastScanDevices !== null && (
                          <Text size="xs" c="dimmed">
                            {t("devices", { count: c.lastScanDevices })}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" ff="monospace">
                          {c.version ?? "–"}
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">{f.number(c.queuedScans)}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {list.hasNextPage && (
            <Group justify="center" p="sm">
              <Button
                variant="subtle"
                loading={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                {tc("action.loadMore")}
              </Button>
            </Group>
          )}
        </Card>
      )}
    </Stack>
  );
}

const tokenColors: Record<EnrolmentToken["state"], string> = {
  active: "green",
  used: "blue",
  expired: "gray",
  revoked: "gray",
};

function TokensTable() {
  const { t } = useTranslation("collectors");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const session = useSession();
  const names = useNames();
  const queryClient = useQueryClient();
  const canWrite = session.can("collectors", "write");
  const tokens = useInfiniteQuery({
    queryKey: ["enrolment-tokens"],
    queryFn: ({ pageParam, signal }) =>
      get<Page<EnrolmentToken>>("/enrolment-tokens", { limit: 100, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => del<EnrolmentToken>(`/enrolment-tokens/${encodeURIComponent(id)}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["enrolment-tokens"] });
      void queryClient.invalidateQueries({ queryKey: ["collectors"] });
    },
  });
  const items = tokens.data?.pages.flatMap((p) => p.items) ?? [];
  if (tokens.isPending) return <PageSkeleton />;
  if (tokens.isError) return <QueryError error={tokens.error} onRetry={() => void tokens.refetch()} />;
  if (items.length === 0) return <EmptyState>{t("tokens.empty")}</EmptyState>;
  return (
    <Card withBorder padding={0}>
      <MutationError error={revoke.error} />
      <Table.ScrollContainer minWidth={720}>
        <Table verticalSpacing="sm" horizontalSpacing="md">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("tokens.site")}</Table.Th>
              <Table.Th>{t("tokens.state")}</Table.Th>
              <Table.Th>{t("tokens.created")}</Table.Th>
              <Table.Th>{t("tokens.expires")}</Table.Th>
              <Table.Th>{t("tokens.collector")}</Table.Th>
              {canWrite && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((token) => (
              <Table.Tr key={token.id}>
                <Table.Td>
                  <Text size="sm">{names.site(token.siteId) ?? token.siteId}</Text>
                  <Text size="xs" c="dimmed">
                    {names.customer(token.customerId) ?? ""}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={tokenColors[token.state]} variant="light">
                    {t(`tokens.states.${token.state}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>{f.dateTime(token.createdAt)}</Table.Td>
                <Table.Td>{f.dateTime(token.expiresAt)}</Table.Td>
                <Table.Td>
                  {token.collectorId ? (
                    <Anchor component={Link} to={`/collectors/${token.collectorId}`} size="sm">
                      {t("tokens.open")}
                    </Anchor>
                  ) : (
                    "–"
                  )}
                </Table.Td>
                {canWrite && (
                  <Table.Td ta="right">
                    {(token.state === "active" || token.state === "used") && (
                      <ConfirmButton
                        size="xs"
                        variant="subtle"
                        loading={revoke.isPending && revoke.variables === token.id}
                        title={t("tokens.revoke")}
                        message={t(
                          token.state === "used" ? "tokens.revokeUsedConfirm" : "tokens.revokeConfirm",
                        )}
                        confirmLabel={t("tokens.revoke")}
                        onConfirm={() => revoke.mutate(token.id)}
                      >
                        {t("tokens.revoke")}
                      </ConfirmButton>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {tokens.hasNextPage && (
        <Group justify="center" p="sm">
          <Button
            variant="subtle"
            loading={tokens.isFetchingNextPage}
            onClick={() => void tokens.fetchNextPage()}
          >
            {tc("action.loadMore")}
          </Button>
        </Group>
      )}
    </Card>
  );
}

/** Collectors of the scope with their health, enrolment tokens, and the way to enrol a new one. */
export function CollectorListPage() {
  const { t } = useTranslation("collectors");
  const session = useSession();
  const [enrolOpen, enrol] = useDisclosure(false);
  const canWrite = session.can("collectors", "write");
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          canWrite && (
            <>
              {session.scopeKind !== "customer" && (
                <Button
                  variant="default"
                  component={Link}
                  to={`/collector-settings/account/${session.me.accountId}`}
                >
                  {t("settings.accountDefaults")}
                </Button>
              )}
              <Button onClick={enrol.open}>{t("enrol.open")}</Button>
            </>
          )
        }
      />
      <Tabs defaultValue="collectors" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="collectors">{t("tabs.collectors")}</Tabs.Tab>
          <Tabs.Tab value="tokens">{t("tabs.tokens")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="collectors">
          <CollectorsTable />
        </Tabs.Panel>
        <Tabs.Panel value="tokens">
          <TokensTable />
        </Tabs.Panel>
      </Tabs>
      {canWrite && <EnrolModal opened={enrolOpen} onClose={enrol.close} />}
    </>
  );
}
