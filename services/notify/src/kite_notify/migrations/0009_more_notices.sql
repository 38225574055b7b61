-- What notify keeps of jobs' fairs and courses (from fair-organised and course-opened) to name them in
-- a fair invitation or a training enrolment, and of an organisation its secretary (the contact whose
-- role is 书记, from organisation-registered/-updated) to address a lost-contact notice to the branch.
CREATE TABLE known_fairs (
    fair_id  uuid PRIMARY KEY,
    title    text NOT NULL,
    held_on  date NOT NULL,
    online   boolean NOT NULL DEFAULT false
);

CREATE TABLE known_courses (
    course_id  uuid PRIMARY KEY,
    title      text NOT NULL,
    trade      text NOT NULL,
    starts_on  date NOT NULL
);

ALTER TABLE organisations ADD COLUMN secretary text;

-- Chinese defaults of the new kinds (editable over /templates; bo and ii added by the offices that
-- have verified translations; until then the Chinese one is used).
INSERT INTO notification_templates (kind, channel, language, version, title, body, placeholders, saved_by) VALUES
('fair-invitation', 'in_app', 'zh-Hans', 1, '邀请您参加{fair_title}',
 '{name}，您好！诚邀您参加{held_on}举办的{fair_title}（{where}），多家用工单位现场招聘。请按时参加；如不能参加，请告诉村里或驻外工作站。',
 '{name,fair_title,held_on,where}', 'seed'),
('training-enrolment', 'in_app', 'zh-Hans', 1, '培训报名成功：{course_title}',
 '{name}，您好！您已报名{course_title}（{trade}），将于{starts_on}开班。请按时参加，结业合格可按规定申领培训补贴。',
 '{name,course_title,trade,starts_on}', 'seed'),
('follow-up-due', 'in_app', 'zh-Hans', 1, '稳岗回访提醒',
 '{name}，您好！您就业已满{months}个月，家乡人社服务站将在{due_on}前后与您电话联系，了解您的工作和生活情况。如有困难，可随时在这里提出诉求。',
 '{name,months,due_on}', 'seed'),
('dues-paid', 'in_app', 'zh-Hans', 1, '党费缴纳确认：{month}',
 '{name}同志，您好！您{month}的党费{amount}元已收到，感谢您按时足额缴纳。',
 '{name,month,amount}', 'seed'),
('org-life-missed', 'in_app', 'zh-Hans', 1, '组织生活补课提醒：{session}',
 '{name}同志，您好！支部已于{held_on}召开{session}，主题为“{topic}”，您未能参加。请及时联系支部补课，学习会议精神。',
 '{name,session,topic,held_on}', 'seed'),
('member-contact-lost', 'in_app', 'zh-Hans', 1, '党员失联提醒：{name}',
 '{secretary}同志：支部党员{name}已{quiet_days}天未能联系上（最后联系：{last_contact}）。请通过家属、同乡、用工单位等渠道尽快联系，联系上后请在系统中登记。',
 '{name,secretary,quiet_days,last_contact}', 'seed');
