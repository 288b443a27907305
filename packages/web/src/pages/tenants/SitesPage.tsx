import { Anchor, Button, Group, Modal, Select, Stack, Table, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { del, patch, post } from "../../api/client.ts";
import type { Site, SiteCreate } from "../../api/types.ts";
import { ConfirmButton } from "../../components/ConfirmButton.tsx";
import { ListTable, SearchInput, usePagedList } from "../../components/lists.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { MutationError } from "../../components/states.tsx";
import { browserTimeZone } from "../../format/intl.ts";
import { useSession } from "../../session/session.tsx";
import { useCustomerOptions } from "./options.ts";

function SiteForm({ site, customerId, onDone }: { site?: Site; customerId?: string; onDone: () => void }) {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const session = useSession();
  const customers = useCustomerOptions(session.scopeKind !== "customer");
  const zones = useMemo(() => Intl.supportedValuesOf("timeZone"), []);
  const [customer, setCustomer] = useState<string | null>(
    site?.customerId ?? customerId ?? session.me.customerId ?? null,
  );
  const [name, setName] = useState(site?.name ?? "");
  const [address, setAddress] = useState(site?.address ?? "");
  const [timeZone, setTimeZone] = useState<string | null>(site?.timeZone ?? browserTimeZone());
  const [touched, setTouched] = useState(false);
  const save = useMutation({
    mutationFn: (body: SiteCreate) => {
      const { customerId: _, ...update } = body;
      return site ? patch<Site>(`/sites/${site.id}`, update) : post<Site>("/sites", body);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["sites"] });
      onDone();
    },
  });
  const valid = name.trim() && customer && timeZone;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (valid && customer && timeZone)
      save.mutate({ customerId: customer, name: name.trim(), address: address.trim() || null, timeZone });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {session.scopeKind !== "customer" && (
          <Select
            label={tc("field.customer")}
            data={(customers.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={customer}
            onChange={setCustomer}
            searchable
            required
            disabled={!!site}
            error={touched && !customer ? tc("error.required") : undefined}
          />
        )}
        <TextInput
          label={tc("field.name")}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={touched && !name.trim() ? tc("error.required") : undefined}
          maxLength={200}
          required
          data-autofocus
        />
        <Textarea
          label={t("sites.address")}
          value={address}
          onChange={(e) => setAddress(e.currentTarget.value)}
          maxLength={500}
          autosize
          minRows={2}
        />
        <Select
          label={t("sites.timeZone")}
          data={zones}
          value={timeZone}
          onChange={setTimeZone}
          searchable
          limit={50}
          required
          error={touched && !timeZone ? tc("error.required") : undefined}
        />
        <MutationError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            {tc("action.cancel")}
          </Button>
          <Button type="submit" loading={save.isPending}>
            {tc("action.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Sites of the scope (optionally of one customer): create, edit, delete. */
export function SitesPage() {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const customerId = params.get("customerId") ?? "";
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState<Site | "new" | null>(null);
  const customers = useCustomerOptions(session.scopeKind !== "customer");
  const customerName = new Map((customers.data ?? []).map((c) => [c.id, c.name]));
  const list = usePagedList<Site>("sites", "/sites", {
    q: q || undefined,
    customerId: customerId || undefined,
    sort: "name",
  });
  const remove = useMutation({
    mutationFn: (id: string) => del(`/sites/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["sites"] }),
  });
  const canWrite = session.can("tenants", "write");
  return (
    <>
      <PageHeader
        title={t("sites.title")}
        crumbs={customerId ? [{ label: tc("nav.customers"), to: "/customers" }] : undefined}
        actions={canWrite && <Button onClick={() => setEditing("new")}>{t("sites.create")}</Button>}
      />
      <Group mb="md" align="flex-end">
        <SearchInput onSearch={setQ} />
        {session.scopeKind !== "customer" && (
          <Select
            label={tc("field.customer")}
            placeholder={tc("field.allCustomers")}
            data={(customers.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={customerId || null}
            onChange={(v) => setParams(v ? { customerId: v } : {}, { replace: true })}
            searchable
            clearable
            w={{ base: "100%", sm: 240 }}
          />
        )}
      </Group>
      <MutationError error={remove.error} />
      <ListTable
        list={list}
        empty={q ? tc("state.noResults") : t("sites.empty")}
        head={
          <>
            <Table.Th>{tc("field.name")}</Table.Th>
            {session.scopeKind !== "customer" && <Table.Th>{tc("field.customer")}</Table.Th>}
            <Table.Th>{t("sites.address")}</Table.Th>
            <Table.Th>{t("sites.timeZone")}</Table.Th>
            <Table.Th />
          </>
        }
        row={(s) => (
          <Table.Tr key={s.id}>
            <Table.Td fw={500}>{s.name}</Table.Td>
            {session.scopeKind !== "customer" && <Table.Td>{customerName.get(s.customerId) ?? ""}</Table.Td>}
            <Table.Td style={{ whiteSpace: "pre-line" }}>{s.address ?? "–"}</Table.Td>
            <Table.Td>{s.timeZone}</Table.Td>
            <Table.Td>
              <Group gap="xs" justify="flex-end" wrap="nowrap">
                {session.can("fleet") && (
                  <Anchor component={Link} to={`/devices?siteId=${s.id}`} size="sm">
                    {tc("nav.devices")}
                  </Anchor>
                )}
                {session.can("collectors", "write") && (
                  <Anchor component={Link} to={`/collector-settings/site/${s.id}`} size="sm">
                    {t("collectorSettings")}
                  </Anchor>
                )}
                {canWrite && (
                  <Button size="compact-sm" variant="subtle" onClick={() => setEditing(s)}>
                    {tc("action.edit")}
                  </Button>
                )}
                {canWrite && (
                  <ConfirmButton
                    size="compact-sm"
                    variant="subtle"
                    title={t("sites.deleteTitle", { name: s.name })}
                    message={t("sites.deleteMessage")}
                    confirmLabel={tc("action.delete")}
                    onConfirm={() => remove.mutate(s.id)}
                  >
                    {tc("action.delete")}
                  </ConfirmButton>
                )}
              </Group>
            </Table.Td>
          </Table.Tr>
        )}
      />
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" ? t("sites.create") : t("sites.edit")}
      >
        {editing !== null && (
          <SiteForm
            site={editing === "new" ? undefined : editing}
            customerId={customerId || undefined}
            onDone={() => setEditing(null)}
          />
        )}
      </Modal>
    </>
  );
}
