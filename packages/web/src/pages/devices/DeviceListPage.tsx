import {
  Anchor,
  Badge,
  Button,
  Chip,
  Group,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Tooltip,
  UnstyledButton,
  VisuallyHidden,
} from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { apiUrl, get } from "../../api/client.ts";
import type { Customer, Device, Page, Site } from "../../api/types.ts";
import { IconDownload, IconSearch, IconSortDown, IconSortUp } from "../../components/icons.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { EmptyState, InlineLoader, PageSkeleton, QueryError } from "../../components/states.tsx";
import type { Formatter } from "../../format/intl.ts";
import { useFormat, useSession } from "../../session/session.tsx";
import {
  activeFilterCount,
  type DeviceFilters,
  filtersToParams,
  filtersToQuery,
  parseFilters,
  statuses,
  toggleSort,
} from "./filters.ts";
import { statusColors, statusLabel } from "./labels.ts";

/** A small first page shows something quickly; later pages are larger, fewer requests while scrolling. */
const firstPageSize = 100;
const pageSize = 250;
const rowHeight = 52;
/** The portal counts a supply as low at or below this level. */
const lowSupplyPercent = 20;

type ColumnKey = "status" | "device" | "serial" | "ip" | "place" | "lastSeen" | "counter" | "attention";
interface Column {
  key: ColumnKey;
  width: string;
  sort?: string;
  align?: "right";
}

const wideColumns: Column[] = [
  { key: "status", width: "136px" },
  { key: "device", width: "minmax(200px, 2fr)", sort: "model" },
  { key: "serial", width: "minmax(120px, 1fr)", sort: "serial" },
  { key: "ip", width: "130px", sort: "ip" },
  { key: "place", width: "minmax(160px, 1.5fr)", sort: "customerName" },
  { key: "lastSeen", width: "130px", sort: "lastSeenAt" },
  { key: "counter", width: "110px", sort: "totalCounter", align: "right" },
  { key: "attention", width: "104px" },
];
const pick = (keys: ColumnKey[]) => wideColumns.filter((c) => keys.includes(c.key));
// On a laptop the addresses and counter give way; on a tablet the list keeps what identifies a
// device and whether it needs attention.
const mediumColumns = pick(["status", "device", "serial", "place", "lastSeen", "attention"]);
const narrowColumns = pick(["status", "device", "place", "attention"]);

function useDeviceFilters(): [DeviceFilters, (patch: Partial<DeviceFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseFilters(params), [params]);
  const update = (patch: Partial<DeviceFilters>) =>
    setParams(filtersToParams({ ...filters, ...patch }), { replace: true });
  return [filters, update];
}

function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const { t } = useTranslation("devices");
  const [text, setText] = useState(value);
  const [debounced] = useDebouncedValue(text, 300);
  // What this box last put in the URL: when that lands (the router commits it a little later),
  // it must not overwrite what was typed in the meantime.
  const sent = useRef(value);
  // The URL changes from outside too (back button, a dashboard link): follow it.
  useEffect(() => {
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a settled input goes to the URL
  useEffect(() => {
    const q = debounced.trim();
    if (q !== value) {
      sent.current = q;
      onChange(q);
    }
  }, [debounced]);
  return (
    <TextInput
      label={t("filter.search")}
      placeholder={t("filter.searchPlaceholder")}
      leftSection={<IconSearch size={16} />}
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
      type="search"
      w={{ base: "100%", sm: 240 }}
    />
  );
}

function FilterBar({
  filters,
  update,
}: {
  filters: DeviceFilters;
  update: (p: Partial<DeviceFilters>) => void;
}) {
  const { t } = useTranslation("devices");
  const { t: tc } = useTranslation();
  const session = useSession();
  const showCustomers = session.scopeKind !== "customer";
  const customers = useQuery({
    queryKey: ["customers", "options"],
    queryFn: ({ signal }) => get<Page<Customer>>("/customers", { limit: 200, sort: "name" }, signal),
    enabled: showCustomers && session.can("tenants"),
    staleTime: 5 * 60_000,
  });
  const sites = useQuery({
    queryKey: ["sites", "options", filters.customerId],
    queryFn: ({ signal }) =>
      get<Page<Site>>(
        "/sites",
        { limit: 200, sort: "name", customerId: filters.customerId || undefined },
        signal,
      ),
    enabled: session.can("tenants"),
    staleTime: 5 * 60_000,
  });
  const [vendor, setVendor] = useState(filters.vendor);
  const [model, setModel] = useState(filters.model);
  const [debouncedVendor] = useDebouncedValue(vendor, 400);
  const [debouncedModel] = useDebouncedValue(model, 400);
  useEffect(() => setVendor(filters.vendor), [filters.vendor]);
  useEffect(() => setModel(filters.model), [filters.model]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only settled inputs go to the URL
  useEffect(() => {
    if (debouncedVendor.trim() !== filters.vendor || debouncedModel.trim() !== filters.model)
      update({ vendor: debouncedVendor.trim(), model: debouncedModel.trim() });
  }, [debouncedVendor, debouncedModel]);

  const flag = (key: "hasAlerts" | "lowSupplies" | "notReporting", label: string) => (
    <Chip
      checked={filters[key] === "true"}
      onChange={(checked) => update({ [key]: checked ? "true" : "" })}
      variant="outline"
      size="sm"
    >
      {label}
    </Chip>
  );

  return (
    <Stack gap="sm" mb="md">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <SearchBox value={filters.q} onChange={(q) => update({ q })} />
        {showCustomers && session.can("tenants") && (
          <Select
            label={tc("field.customer")}
            placeholder={tc("field.all")}
            data={(customers.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={filters.customerId || null}
            onChange={(v) => update({ customerId: v ?? "", siteId: "" })}
            searchable
            clearable
            w={{ base: "100%", sm: 180 }}
          />
        )}
        {session.can("tenants") && (
          <Select
            label={tc("field.site")}
            placeholder={tc("field.all")}
            data={(sites.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
            value={filters.siteId || null}
            onChange={(v) => update({ siteId: v ?? "" })}
            searchable
            clearable
            w={{ base: "100%", sm: 160 }}
          />
        )}
        <TextInput
          label={t("filter.vendor")}
          value={vendor}
          onChange={(e) => setVendor(e.currentTarget.value)}
          w={{ base: "48%", sm: 120 }}
        />
        <TextInput
          label={t("filter.model")}
          value={model}
          onChange={(e) => setModel(e.currentTarget.value)}
          w={{ base: "48%", sm: 130 }}
        />
        <Select
          label={t("filter.status")}
          placeholder={tc("field.all")}
          data={statuses.map((s) => ({ value: s, label: statusLabel(s) }))}
          value={filters.status || null}
          onChange={(v) => update({ status: v ?? "" })}
          clearable
          w={{ base: "100%", sm: 140 }}
        />
      </Group>
      <Group gap="xs" wrap="wrap" role="group" aria-label={t("filter.flags")}>
        {flag("hasAlerts", t("filter.hasAlerts"))}
        {flag("lowSupplies", t("filter.lowSupplies"))}
        {flag("notReporting", t("filter.notReporting"))}
        {filters.notReporting === "false" && (
          <Badge variant="light" color="green">
            {t("filter.reportingOnly")}
          </Badge>
        )}
        {(activeFilterCount(filters) > 0 || filters.q) && (
          <Button
            variant="subtle"
            size="compact-sm"
            onClick={() =>
              update({
                q: "",
                customerId: "",
                siteId: "",
                vendor: "",
                model: "",
                status: "",
                hasAlerts: "",
                lowSupplies: "",
                notReporting: "",
              })
            }
          >
            {tc("action.clearFilters")}
          </Button>
        )}
      </Group>
    </Stack>
  );
}

function HeaderCell({ column, sort, onSort }: { column: Column; sort: string; onSort: (s: string) => void }) {
  const { t } = useTranslation("devices");
  const label = t(`column.${column.key}`);
  const direction: "ascending" | "descending" | undefined = !column.sort
    ? undefined
    : sort === column.sort
      ? "ascending"
      : sort === `-${column.sort}`
        ? "descending"
        : undefined;
  return (
    <th
      scope="col"
      aria-sort={column.sort ? (direction ?? "none") : undefined}
      className="dp-cell"
      style={{ textAlign: column.align ?? "left" }}
    >
      {column.sort ? (
        <UnstyledButton onClick={() => onSort(toggleSort(sort, column.sort as string))} fz="sm" fw={600}>
          <Group gap={4} wrap="nowrap" justify={column.align === "right" ? "flex-end" : "flex-start"}>
            {label}
            {direction === "ascending" && <IconSortUp size={14} />}
            {direction === "descending" && <IconSortDown size={14} />}
          </Group>
        </UnstyledButton>
      ) : (
        <Text fz="sm" fw={600}>
          {label}
        </Text>
      )}
    </th>
  );
}

const DeviceRow = memo(function DeviceRow(props: {
  device: Device;
  columns: Column[];
  template: string;
  index: number;
  top: number;
  f: Formatter;
  onOpen: (id: string) => void;
}) {
  const { t } = useTranslation("devices");
  const d = props.device;
  const title = [d.vendor, d.model].filter(Boolean).join(" ") || d.name || d.ip || t("unknownDevice");
  const cells: Record<ColumnKey, React.ReactNode> = {
    status: (
      <Badge color={statusColors[d.status] ?? "gray"} variant="light" size="sm">
        {statusLabel(d.status)}
      </Badge>
    ),
    device: (
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Anchor
          component={Link}
          to={`/devices/${d.id}`}
          fz="sm"
          fw={500}
          truncate
          onClick={(e) => e.stopPropagation()}
        >
          {title}
        </Anchor>
        <Text size="xs" c="dimmed" truncate>
          {d.name && d.name !== title ? d.name : d.location || "\u00a0"}
        </Text>
      </Stack>
    ),
    serial: (
      <Text size="sm" ff="monospace" truncate>
        {d.serial ?? "–"}
      </Text>
    ),
    ip: (
      <Text size="sm" ff="monospace" truncate>
        {d.ip ?? "–"}
      </Text>
    ),
    place: (
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text size="sm" truncate>
          {d.customer.name}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {d.site.name}
        </Text>
      </Stack>
    ),
    lastSeen: (
      <Tooltip label={props.f.dateTime(d.lastSeenAt)} openDelay={400}>
        <Text size="sm" truncate>
          {props.f.relative(d.lastSeenAt)}
        </Text>
      </Tooltip>
    ),
    counter: (
      <Text size="sm" ff="monospace" ta="right">
        {props.f.number(d.totalCounter)}
      </Text>
    ),
    attention: (
      <Group gap={4} wrap="nowrap">
        {d.openAlertCount > 0 && (
          <Badge
            color="orange"
            variant="filled"
            size="sm"
            title={t("openAlerts", { count: d.openAlertCount })}
          >
            {d.openAlertCount}
            <VisuallyHidden> {t("openAlerts", { count: d.openAlertCount })}</VisuallyHidden>
          </Badge>
        )}
        {d.lowestSupplyPercent !== null && d.lowestSupplyPercent <= lowSupplyPercent && (
          <Badge color="yellow" variant="light" size="sm" title={t("lowestSupply")}>
            {props.f.percent(d.lowestSupplyPercent / 100)}
            <VisuallyHidden> {t("lowestSupply")}</VisuallyHidden>
          </Badge>
        )}
      </Group>
    ),
  };
  return (
    <tr
      aria-rowindex={props.index + 2}
      data-testid="device-row"
      className="dp-row dp-row-link"
      onClick={() => props.onOpen(d.id)}
      style={{
        gridTemplateColumns: props.template,
        position: "absolute",
        top: 0,
        left: 0,
        right: 0,
        height: rowHeight,
        transform: `translateY(${props.top}px)`,
        cursor: "pointer",
      }}
    >
      {props.columns.map((c) => (
        <td key={c.key} className="dp-cell" style={{ textAlign: c.align }}>
          {cells[c.key]}
        </td>
      ))}
    </tr>
  );
});

/** Devices of the scope: server-side search, filters and sort, virtual rows, pages loaded while scrolling. */
export function DeviceListPage() {
  const { t } = useTranslation("devices");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const [filters, update] = useDeviceFilters();
  const wide = useMediaQuery("(min-width: 90em)", true);
  const medium = useMediaQuery("(min-width: 75em)", true);
  const columns = wide ? wideColumns : medium ? mediumColumns : narrowColumns;
  const template = columns.map((c) => c.width).join(" ");
  const query = filtersToQuery(filters);

  const list = useInfiniteQuery({
    queryKey: ["devices", "list", query],
    queryFn: ({ pageParam, signal }) =>
      get<Page<Device>>(
        "/devices",
        { ...query, limit: pageParam ? pageSize : firstPageSize, cursor: pageParam },
        signal,
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const devices = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: devices.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? (items[items.length - 1]?.index ?? 0) : 0;
  useEffect(() => {
    if (list.hasNextPage && !list.isFetchingNextPage && lastIndex >= devices.length - 40)
      void list.fetchNextPage();
  }, [lastIndex, devices.length, list.hasNextPage, list.isFetchingNextPage, list.fetchNextPage]);
  // A new filter starts at the top.
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll reset on filter change only
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [JSON.stringify(query)]);

  const exportHref = apiUrl("/devices/export.csv", query);
  const onOpen = useMemo(() => (id: string) => void navigate(`/devices/${id}`), [navigate]);
  const loadedText = list.hasNextPage
    ? t("countMore", { count: devices.length, shown: f.number(devices.length) })
    : t("count", { count: devices.length, shown: f.number(devices.length) });

  return (
    <>
      <PageHeader
        title={t("title")}
        actions={
          <Button
            component="a"
            href={exportHref}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
          >
            {t("exportCsv")}
          </Button>
        }
      />
      <FilterBar filters={filters} update={update} />
      {list.isPending ? (
        <PageSkeleton rows={10} />
      ) : list.isError && devices.length === 0 ? (
        <QueryError error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: "hidden" }}>
          <Group
            justify="space-between"
            px="md"
            py={8}
            bg="gray.0"
            style={{ borderBottom: "1px solid var(--mantine-color-gray-3)" }}
          >
            <Text size="sm" c="dimmed" aria-live="polite" data-testid="device-count">
              {loadedText}
            </Text>
            {(list.isFetching || list.isPlaceholderData) && (
              <Text size="xs" c="dimmed">
                {tc("state.loading")}
              </Text>
            )}
          </Group>
          <div
            ref={scrollRef}
            style={{
              height: "max(360px, calc(100dvh - 380px))",
              overflowY: "auto",
              opacity: list.isPlaceholderData ? 0.6 : 1,
            }}
          >
            <table
              aria-label={t("title")}
              aria-rowcount={list.hasNextPage ? -1 : devices.length + 1}
              style={{ display: "grid", width: "100%", borderCollapse: "collapse" }}
            >
              <thead style={{ display: "grid", position: "sticky", top: 0, zIndex: 1 }}>
                <tr
                  aria-rowindex={1}
                  className="dp-row"
                  style={{
                    gridTemplateColumns: template,
                    height: 40,
                    background: "var(--mantine-color-body)",
                  }}
                >
                  {columns.map((c) => (
                    <HeaderCell
                      key={c.key}
                      column={c}
                      sort={filters.sort}
                      onSort={(sort) => update({ sort })}
                    />
                  ))}
                </tr>
              </thead>
              <tbody style={{ display: "grid", height: virtualizer.getTotalSize(), position: "relative" }}>
                {items.map((item) => {
                  const device = devices[item.index];
                  return device ? (
                    <DeviceRow
                      key={device.id}
                      device={device}
                      columns={columns}
                      template={template}
                      index={item.index}
                      top={item.start}
                      f={f}
                      onOpen={onOpen}
                    />
                  ) : null;
                })}
              </tbody>
            </table>
            {devices.length === 0 && (
              <EmptyState>
                {activeFilterCount(filters) || filters.q ? tc("state.noResults") : t("empty")}
              </EmptyState>
            )}
            {list.isFetchingNextPage && <InlineLoader />}
            {list.isError && devices.length > 0 && (
              <Group justify="center" p="sm">
                <QueryError error={list.error} onRetry={() => void list.fetchNextPage()} />
              </Group>
            )}
          </div>
        </Paper>
      )}
    </>
  );
}
