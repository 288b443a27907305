import { Badge, Button, Group, Modal, Select, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { del, patch, post } from "../../api/client.ts";
import type { Role, User, UserCreate, UserCreated, UserUpdate } from "../../api/types.ts";
import { ConfirmButton } from "../../components/ConfirmButton.tsx";
import { ListTable, SearchInput, usePagedList } from "../../components/lists.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { MutationError } from "../../components/states.tsx";
import { type ScopeKind, useSession } from "../../session/session.tsx";
import { GeneratedPassword } from "./GeneratedPassword.tsx";
import { useCustomerOptions, useSiteOptions } from "./options.ts";

const accountRoles: Role[] = ["account-admin", "account-technician", "account-billing"];
const customerRoles: Role[] = ["customer-admin", "customer-user"];

/** Roles the form offers in a scope; the portal still refuses anything above the caller's own role. */
export function grantableRoles(scope: ScopeKind): Role[] {
  if (scope === "platform") return ["platform-admin"];
  if (scope === "customer") return customerRoles;
  return [...accountRoles, ...customerRoles];
}

const isCustomerRole = (role: string | null) => !!role && role.startsWith("customer-");

function UserForm({ user, onDone }: { user?: User; onDone: (created?: UserCreated) => void }) {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const roles = grantableRoles(session.scopeKind);
  const [email, setEmail] = useState(user?.email ?? "");
  const [name, setName] = useState(user?.name ?? "");
  const [role, setRole] = useState<string | null>(user?.role ?? roles[0] ?? null);
  const [customerId, setCustomerId] = useState<string | null>(
    user?.customerId ?? session.me.customerId ?? null,
  );
  const [siteId, setSiteId] = useState<string | null>(user?.siteId ?? null);
  const [disabled, setDisabled] = useState(user?.disabled ?? false);
  const [touched, setTouched] = useState(false);
  const needsCustomer = isCustomerRole(role);
  const customers = useCustomerOptions(needsCustomer && session.scopeKind !== "customer");
  const sites = useSiteOptions(customerId, needsCustomer && !!customerId);
  const save = useMutation({
    mutationFn: (): Promise<User | UserCreated> => {
      const placement = needsCustomer
        ? { customerId, siteId: siteId || null }
        : { customerId: null, siteId: null };
      if (user) {
        const body: UserUpdate = { name: name.trim(), disabled };
        if (role !== user.role) body.role = role as Role;
        if (placement.customerId !== user.customerId || placement.siteId !== user.siteId)
          Object.assign(body, placement);
        return patch<User>(`/users/${user.id}`, body);
      }
      const body: UserCreate = { email: email.trim(), name: name.trim(), role: role as Role, ...placement };
      return post<UserCreated>("/users", body);
    },
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ["users"] });
      onDone("generatedPassword" in result ? result : undefined);
    },
  });
  const emailOk = /^[^\s@]+@[^\s@]+$/.test(email.trim());
  const valid = (user || emailOk) && name.trim() && role && (!needsCustomer || customerId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (valid) save.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label={tc("field.email")}
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          disabled={!!user}
          required
          error={touched && !user && !emailOk ? tc("error.invalidEmail") : undefined}
          data-autofocus
        />
        <TextInput
          label={tc("field.name")}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          required
          maxLength={200}
          error={touched && !name.trim() ? tc("error.required") : undefined}
        />
        <Select
          label={tc("field.role")}
          data={roles.map((r) => ({ value: r, label: tc(`role.${r}`) }))}
          value={role}
          onChange={setRole}
          allowDeselect={false}
          required
        />
        {needsCustomer && session.scopeKind !== "customer" && (
          <Select
            label={tc("field.customer")}
            data={(customers.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={customerId}
            onChange={(v) => {
              setCustomerId(v);
              setSiteId(null);
            }}
            searchable
            required
            error={touched && !customerId ? tc("error.required") : undefined}
          />
        )}
        {needsCustomer && customerId && (
          <Select
            label={t("users.site")}
            description={t("users.siteHint")}
            placeholder={t("users.allSites")}
            data={(sites.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
            value={siteId}
            onChange={setSiteId}
            clearable
          />
        )}
        {user && (
          <Switch
            label={t("users.disabled")}
            checked={disabled}
            onChange={(e) => setDisabled(e.currentTarget.checked)}
          />
        )}
        {!user && (
          <Text size="xs" c="dimmed">
            {t("users.passwordHint")}
          </Text>
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

/** Users of the scope and their roles: invite, change role or placement, disable, delete. */
export function UsersPage() {
  const { t } = useTranslation("tenants");
  const { t: tc } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const [q, setQ] = useState("");
  const [role, setRole] = useState<string | null>(null);
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const [created, setCreated] = useState<UserCreated | null>(null);
  const customers = useCustomerOptions(session.scopeKind !== "customer");
  const customerName = new Map((customers.data ?? []).map((c) => [c.id, c.name]));
  const list = usePagedList<User>("users", "/users", {
    q: q || undefined,
    role: role ?? undefined,
    sort: "name",
  });
  const remove = useMutation({
    mutationFn: (id: string) => del(`/users/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  const canWrite = session.can("users", "write");
  const allRoles =
    session.scopeKind === "platform" ? (["platform-admin"] as Role[]) : grantableRoles(session.scopeKind);
  return (
    <>
      <PageHeader
        title={t("users.title")}
        actions={canWrite && <Button onClick={() => setEditing("new")}>{t("users.create")}</Button>}
      />
      <Group mb="md" align="flex-end">
        <SearchInput onSearch={setQ} />
        <Select
          label={tc("field.role")}
          placeholder={tc("field.all")}
          data={allRoles.map((r) => ({ value: r, label: tc(`role.${r}`) }))}
          value={role}
          onChange={setRole}
          clearable
          w={{ base: "100%", sm: 200 }}
        />
      </Group>
      <MutationError error={remove.error} />
      <ListTable
        list={list}
        empty={q || role ? tc("state.noResults") : t("users.empty")}
        minWidth={820}
        head={
          <>
            <Table.Th>{tc("field.name")}</Table.Th>
            <Table.Th>{tc("field.role")}</Table.Th>
            <Table.Th>{tc("field.customer")}</Table.Th>
            <Table.Th>{t("users.security")}</Table.Th>
            <Table.Th />
          </>
        }
        row={(u) => (
          <Table.Tr key={u.id} style={{ opacity: u.disabled ? 0.6 : 1 }}>
            <Table.Td>
              <Text size="sm" fw={500}>
                {u.name}
              </Text>
              <Text size="xs" c="dimmed">
                {u.email}
              </Text>
            </Table.Td>
            <Table.Td>{tc(`role.${u.role}`)}</Table.Td>
            <Table.Td>{u.customerId ? (customerName.get(u.customerId) ?? "") : "–"}</Table.Td>
            <Table.Td>
              <Group gap={4}>
                {u.totpEnabled && (
                  <Badge size="xs" variant="light" color="green">
                    {t("users.twoFactor")}
                  </Badge>
                )}
                {u.disabled && (
                  <Badge size="xs" variant="light" color="gray">
                    {t("users.disabledBadge")}
                  </Badge>
                )}
              </Group>
            </Table.Td>
            <Table.Td>
              {canWrite && u.id !== session.me.userId && (
                <Group gap="xs" justify="flex-end" wrap="nowrap">
                  <Button size="compact-sm" variant="subtle" onClick={() => setEditing(u)}>
                    {tc("action.edit")}
                  </Button>
                  <ConfirmButton
                    size="compact-sm"
                    variant="subtle"
                    title={t("users.deleteTitle", { name: u.name || u.email })}
                    message={t("users.deleteMessage")}
                    confirmLabel={tc("action.delete")}
                    onConfirm={() => remove.mutate(u.id)}
                  >
                    {tc("action.delete")}
                  </ConfirmButton>
                </Group>
              )}
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
        title={created ? t("users.created") : editing === "new" ? t("users.create") : t("users.edit")}
      >
        {created?.generatedPassword ? (
          <GeneratedPassword
            email={created.user.email}
            password={created.generatedPassword}
            onDone={() => setCreated(null)}
          />
        ) : (
          editing !== null && (
            <UserForm
              user={editing === "new" ? undefined : editing}
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
