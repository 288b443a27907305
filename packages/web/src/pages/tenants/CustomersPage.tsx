import { Anchor, Button, Group, Menu, Modal, Stack, Table, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { del, patch, post } from "../../api/client.ts";
import type { Customer, CustomerCreate } from "../../api/types.ts";
import { ConfirmButton } from "../../components/ConfirmButton.tsx";
import { ListTable, SearchInput, usePagedList } from "../../components/lists.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { MutationError } from "../../components/states.tsx";
import { useFormat, useSession } from "../../session/session.tsx";

function CustomerForm({ customer, onDone }: { customer?: Customer; onDone: () => void }) {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(customer?.name ?? "");
  const [externalRef, setExternalRef] = useState(customer?.externalRef ?? "");
  const [touched, setTouched] = useState(false);
  const save = useMutation({
    mutationFn: (body: CustomerCreate) =>
      customer ? patch<Customer>(`/customers/${customer.id}`, body) : post<Customer>("/customers", body),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (name.trim()) save.mutate({ name: name.trim(), externalRef: externalRef.trim() || null });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label={tc("field.name")}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={touched && !name.trim() ? tc("error.required") : undefined}
          maxLength={200}
          required
          data-autofocus
        />
        <TextInput
          label={t("customers.externalRef")}
          description={t("customers.externalRefHint")}
          value={externalRef}
          onChange={(e) => setExternalRef(e.currentTarget.value)}
          maxLength={100}
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

/** The account's customers: create, rename, delete, and the way to their sites, devices and settings. */
export function CustomersPage() {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState<Customer | "new" | null>(null);
  const list = usePagedList<Customer>("customers", "/customers", { q: q || undefined, sort: "name" });
  const remove = useMutation({
    mutationFn: (id: string) => del(`/customers/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["customers"] }),
  });
  const canWrite = session.can("tenants", "write") && session.scopeKind !== "customer";
  return (
    <>
      <PageHeader
        title={t("customers.title")}
        actions={canWrite && <Button onClick={() => setEditing("new")}>{t("customers.create")}</Button>}
      />
      <Group mb="md">
        <SearchInput onSearch={setQ} />
      </Group>
      <MutationError error={remove.error} />
      <ListTable
        list={list}
        empty={q ? tc("state.noResults") : t("customers.empty")}
        head={
          <>
            <Table.Th>{tc("field.name")}</Table.Th>
            <Table.Th>{t("customers.externalRef")}</Table.Th>
            <Table.Th>{tc("field.createdAt")}</Table.Th>
            <Table.Th />
          </>
        }
        row={(c) => (
          <Table.Tr key={c.id}>
            <Table.Td fw={500}>{c.name}</Table.Td>
            <Table.Td ff="monospace">{c.externalRef ?? "–"}</Table.Td>
            <Table.Td>{f.date(c.createdAt)}</Table.Td>
            <Table.Td>
              <Group gap="xs" justify="flex-end" wrap="nowrap">
                <Anchor component={Link} to={`/sites?customerId=${c.id}`} size="sm">
                  {tc("nav.sites")}
                </Anchor>
                {session.can("fleet") && (
                  <Anchor component={Link} to={`/devices?customerId=${c.id}`} size="sm">
                    {tc("nav.devices")}
                  </Anchor>
                )}
                {canWrite && (
                  <Menu position="bottom-end">
                    <Menu.Target>
                      <Button size="compact-sm" variant="subtle" aria-label={t("moreFor", { name: c.name })}>
                        …
                      </Button>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item onClick={() => setEditing(c)}>{tc("action.edit")}</Menu.Item>
                      {session.can("collectors", "write") && (
                        <Menu.Item component={Link} to={`/collector-settings/customer/${c.id}`}>
                          {t("collectorSettings")}
                        </Menu.Item>
                      )}
                    </Menu.Dropdown>
                  </Menu>
                )}
                {canWrite && (
                  <ConfirmButton
                    size="compact-sm"
                    variant="subtle"
                    title={t("customers.deleteTitle", { name: c.name })}
                    message={t("customers.deleteMessage")}
                    confirmLabel={tc("action.delete")}
                    onConfirm={() => remove.mutate(c.id)}
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
        title={editing === "new" ? t("customers.create") : t("customers.edit")}
      >
        {editing !== null && (
          <CustomerForm customer={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} />
        )}
      </Modal>
    </>
  );
}
