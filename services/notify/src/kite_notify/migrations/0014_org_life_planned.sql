-- Chinese default of the org-life session announcement (roster's org-life-session-planned, sent as a
-- broadcast to the branch's party members); bo and ii readers get it until an office saves a
-- verified translation over /templates.
INSERT INTO notification_templates (kind, channel, language, version, title, body, placeholders, saved_by) VALUES
('org-life-planned', 'in_app', 'zh-Hans', 1, '{organisation}{session}通知',
 '{name}同志：{organisation}定于{starts_at}召开{session}（{mode}），主题：{topic}；地点：{place}。请准时参加，因故不能参加的请向支部书记请假。',
 '{name,organisation,session,topic,starts_at,place,mode}', 'seed');
