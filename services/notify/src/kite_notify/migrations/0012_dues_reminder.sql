-- Chinese default of the party dues reminder (roster's party-dues-reminder-due); bo and ii fall back
-- to it until an office saves a verified translation over /templates.
INSERT INTO notification_templates (kind, channel, language, version, title, body, placeholders, saved_by) VALUES
('dues-reminder', 'in_app', 'zh-Hans', 1, '党费缴纳提醒：{month}',
 '{name}同志，您好！您{month}的党费尚未交纳。请按时足额交纳党费，可联系所在支部或通过支部约定的方式交纳；如已交纳，请忽略本提醒。',
 '{name,month}', 'seed');
