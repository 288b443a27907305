import { Badge, Button, Group, Modal, SegmentedControl, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { patch, post } from "../../api/client.ts";
import type { Account, AccountCreate, AccountCreated } from "../../api/types.ts";
import { ListTable, SearchInput, usePagedList } from "../../components/lists.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { MutationError } from "../../components/states.tsx";
import { useFormat } from "../../session/session.tsx";
import { GeneratedPassword } from "./GeneratedPassword.tsx";

function AccountForm({ account, onDone }: { account?: Account; onDone: (created?: AccountCreated) => void }) {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<"dealer" | "it">("dealer");
  const [name, setName] = useState(account?.name ?? "");
  const [adminEmail, setAdminEmail] = useState("");
  const [adminName, setAdminName] = useState("");
  const [touched, setTouched] = useState(false);
  const save = useMutation({
    mutationFn: (): Promise<Account | AccountCreated> => {
      if (account) return patch<Account>(`/accounts/${account.id}`, { name: name.trim() });
      const body: AccountCreate = {
        kind,
        name: name.trim(),
        admin: { email: adminEmail.trim(), name: adminName.trim() },
      };
      return post<AccountCreated>("/accounts", body);
    },
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ["accounts"] });
      onDone("admin" in result ? result : undefined);
    },
  });
  const emailOk = /^[^\s@]+@[^\s@]+$/.test(adminEmail.trim());
  const valid = name.trim() && (account || (emailOk && adminName.trim()));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (valid) save.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {!account && (
          <SegmentedControl
            value={kind}
            onChange={(v) => setKind(v as "dealer" | "it")}
            data={[
              { value: "dealer", label: t("accounts.kind.dealer") },
              { value: "it", label: t("accounts.kind.it") },
            ]}
            aria-label={t("accounts.kindLabel")}
          />
        )}
        <TextInput
          label={tc("field.name")}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          required
          maxLength={200}
          error={touched && !name.trim() ? tc("error.required") : undefined}
          data-autofocus
        />
        {!account && (
          <>
            <Text size="sm" fw={600}>
              {t("accounts.firstAdmin")}
            </Text>
            <TextInput
              label={tc("field.email")}
              type="email"
              value={adminEmail}
              onChange={(e) => setAdminEmail(e.currentTarget.value)}
              required
              error={touched && !emailOk ? tc("error.invalidEmail") : undefined}
            />
            <TextInput
              label={tc("field.name")}
              value={adminName}
              onChange={(e) => setAdminName(e.currentTarget.value)}
              required
              error={touched && !adminName.trim() ? tc("error.required") : undefined}
            />
          </>
        )}
        <MutationError error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => onDone()}>
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

/** Every account on the platform (platform staff only): dealers and IT departments. */
export function AccountsPage() {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState<Account | "new" | null>(null);
  const [created, setCreated] = useState<AccountCreated | null>(null);
  const list = usePagedList<Account>("accounts", "/accounts", { q: q || undefined, sort: "name" });
  return (
    <>
      <PageHeader
        title={t("accounts.title")}
        actions={<Button onClick={() => setEditing("new")}>{t("accounts.create")}</Button>}
      />
      <Group mb="md">
        <SearchInput onSearch={setQ} />
      </Group>
      <ListTable
        list={list}
        empty={q ? tc("state.noResults") : t("accounts.empty")}
        head={
          <>
            <Table.Th>{tc("field.name")}</Table.Th>
            <Table.Th>{t("accounts.kindLabel")}</Table.Th>
            <Table.Th>{tc("field.createdAt")}</Table.Th>
            <Table.Th />
          </>
        }
        row={(a) => (
          <Table.Tr key={a.id}>
            <Table.Td fw={500}>{a.name}</Table.Td>
            <Table.Td>
              <Badge
                variant="light"
                color={a.kind === "platform" ? "grape" : a.kind === "it" ? "teal" : "blue"}
              >
                {t(`accounts.kind.${a.kind}`)}
              </Badge>
            </Table.Td>
            <Table.Td>{f.date(a.createdAt)}</Table.Td>
            <Table.Td ta="right">
              <Button size="compact-sm" variant="subtle" onClick={() => setEditing(a)}>
                {tc("action.edit")}
              </Button>
            </Table.Td>
          </Table.Tr>
        )}
      />
      <Modal
        opened={editing !== null || created !== null}
        onClose={() => {
          setEditing(null);
          setCreated(null);
        }}
        title={
          created ? t("accounts.created") : editing === "new" ? t("accounts.create") : t("accounts.edit")
        }
      >
        {created?.generatedPassword ? (
          <GeneratedPassword
            email={created.admin.email}
            password={created.generatedPassword}
            onDone={() => setCreated(null)}
          />
        ) : (
          editing !== null && (
            <AccountForm
              account={editing === "new" ? undefined : editing}
              onDone={(result) => {
                setEditing(null);
                if (result?.generatedPassword) setCreated(result);
              }}
            />
          )
        )}
      </Modal>
    </>
  );
}
