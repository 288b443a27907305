import { Button, Menu } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { patch } from "../api/client.ts";
import { IconCheck, IconLanguage } from "../components/icons.tsx";
import { changeLanguage } from "../i18n/index.ts";
import { type Language, languages } from "../i18n/languages.ts";
import { meQuery, useOptionalSession } from "../session/session.tsx";

const names: Record<Language, string> = { en: "English", de: "Deutsch" };

/** Switches the language at once; when signed in, the profile keeps the choice. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const session = useOptionalSession();
  const queryClient = useQueryClient();
  const choose = (language: Language) => {
    changeLanguage(language);
    if (session && session.me.locale !== language)
      void patch("/auth/me", { locale: language })
        .then(() => queryClient.invalidateQueries({ queryKey: meQuery.queryKey }))
        .catch(() => {});
  };
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <Button
          variant="subtle"
          color="gray"
          size="compact-sm"
          leftSection={<IconLanguage size={16} />}
          aria-label={`${t("nav.language")}: ${names[i18n.language as Language] ?? i18n.language}`}
        >
          {i18n.language.toUpperCase()}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {languages.map((language) => (
          <Menu.Item
            key={language}
            lang={language}
            onClick={() => choose(language)}
            rightSection={i18n.language === language ? <IconCheck size={14} /> : null}
          >
            {names[language]}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
