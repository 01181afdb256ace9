"""Names that translation renders differently in each script: countries, capitals and large cities,
organisations, in English, French, Chinese (simplified) and Russian.

Written by hand from common knowledge (official short names and their usual press renderings), so
that "Estonie", "Estonia", "爱沙尼亚" and "Эстония" are one feature. One line per entity:
`english forms | french forms | chinese forms | russian stems`, forms separated by commas. English,
French and Russian forms are written as `normalise_text` leaves them (lower case, no accents, hyphens
as spaces); a form ending in `*` matches any word starting with it (inflections, demonyms); Russian
forms are stems, always matched as prefixes because Russian declines names.
"""

from __future__ import annotations

LEXICON = """
china, chinese* | chine, chinois* | 中国, 中华人民共和国 | кита*
russia, russian* | russie, russe* | 俄罗斯, 俄国 | росси*, русск*
united states, usa, u s, american* | etats unis, americain* | 美国 | сша, соединенн* штат*, американ*
united kingdom, britain, great britain, uk, british | royaume uni, grande bretagne, britannique* | 英国 | великобритан*, британ*
france, french | france, francais* | 法国 | франц*
germany, german* | allemagne, allemand* | 德国 | германи*, немец*, немецк*
italy, italian* | italie, italien* | 意大利 | итали*
spain, spanish | espagne, espagnol* | 西班牙 | испани*
portugal, portuguese | portugal, portugais* | 葡萄牙 | португали*
netherlands, dutch, holland | pays bas, neerlandais*, hollande | 荷兰 | нидерланд*, голланд*
belgium, belgian* | belgique, belge* | 比利时 | бельги*
switzerland, swiss | suisse* | 瑞士 | швейцар*
austria, austrian* | autriche, autrichien* | 奥地利 | австри*
sweden, swedish, swede* | suede, suedois* | 瑞典 | швеци*, шведск*
norway, norwegian* | norvege, norvegien* | 挪威 | норвеги*
denmark, danish, dane* | danemark, danois* | 丹麦 | дания, дании, данию, датск*
finland, finnish, finn* | finlande, finlandais* | 芬兰 | финлянд*, финск*
iceland, icelandic | islande, islandais* | 冰岛 | исланди*
ireland, irish | irlande, irlandais* | 爱尔兰 | ирланди*
poland, polish | pologne, polonais* | 波兰 | польш*, польск*
greece, greek* | grece, grec, grecs, grecque* | 希腊 | греци*, греческ*
turkey, turkish, turkiye | turquie, turc, turcs, turque* | 土耳其 | турци*, турецк*
ukraine, ukrainian* | ukraine, ukrainien* | 乌克兰 | украин*
belarus, belarusian* | bielorussie, bielorusse* | 白俄罗斯 | беларус*, белорус*
kazakhstan | kazakhstan | 哈萨克斯坦 | казахстан*
uzbekistan | ouzbekistan | 乌兹别克斯坦 | узбекистан*
kyrgyzstan | kirghizistan | 吉尔吉斯斯坦 | киргизи*, кыргызстан*
tajikistan | tadjikistan | 塔吉克斯坦 | таджикистан*
georgia | georgie | 格鲁吉亚 | грузия, грузии, грузию, грузинск*
armenia, armenian* | armenie, armenien* | 亚美尼亚 | армени*
azerbaijan | azerbaidjan | 阿塞拜疆 | азербайджан*
romania, romanian* | roumanie, roumain* | 罗马尼亚 | румыни*
bulgaria, bulgarian* | bulgarie, bulgare* | 保加利亚 | болгари*
serbia, serbian* | serbie, serbe* | 塞尔维亚 | серби*
croatia, croatian* | croatie, croate* | 克罗地亚 | хорвати*
hungary, hungarian* | hongrie, hongrois* | 匈牙利 | венгри*
czech republic, czechia, czech | tchequie, republique tcheque, tcheque* | 捷克 | чехи*, чешск*
slovakia | slovaquie | 斯洛伐克 | словаки*
estonia, estonian* | estonie, estonien* | 爱沙尼亚 | эстони*
latvia, latvian* | lettonie, letton* | 拉脱维亚 | латви*
lithuania, lithuanian* | lituanie, lituanien* | 立陶宛 | литв*
moldova | moldavie | 摩尔多瓦 | молдави*, молдов*
malta | malte | 马耳他 | мальт*
scotland, scottish | ecosse, ecossais* | 苏格兰 | шотланди*
japan, japanese | japon, japonais* | 日本 | япони*
south korea, korea, korean* | coree du sud, coree, coreen* | 韩国, 朝鲜半岛 | корея, кореи, корею, корейск*
north korea, dprk | coree du nord, rpdc | 朝鲜 | кндр
mongolia, mongolian* | mongolie | 蒙古国 | монголи*
india, indian* | inde, indien* | 印度 | индия, индии, индию, индией, индийск*
pakistan, pakistani* | pakistan, pakistanais* | 巴基斯坦 | пакистан*
afghanistan, afghan* | afghanistan, afghan* | 阿富汗 | афганистан*
iran, iranian* | iran, iranien* | 伊朗 | иран*
iraq, iraqi* | irak, irakien* | 伊拉克 | ирак*
syria, syrian* | syrie, syrien* | 叙利亚 | сири*
israel, israeli* | israel, israelien* | 以色列 | израил*
palestine, palestinian* | palestine, palestinien* | 巴勒斯坦 | палестин*
lebanon, lebanese | liban, libanais* | 黎巴嫩 | ливан*
jordan | jordanie | 约旦 | иордани*
saudi arabia, saudi* | arabie saoudite, saoudien* | 沙特阿拉伯, 沙特 | саудовск*
yemen | yemen | 也门 | йемен*
qatar | qatar | 卡塔尔 | катар*
united arab emirates, uae | emirats arabes unis | 阿联酋, 阿拉伯联合酋长国 | оаэ
egypt, egyptian* | egypte, egyptien* | 埃及 | египет*, египт*
libya, libyan* | libye, libyen* | 利比亚 | ливи*
tunisia | tunisie | 突尼斯 | тунис*
algeria, algerian* | algerie, algerien* | 阿尔及利亚 | алжир*
morocco, moroccan* | maroc, marocain* | 摩洛哥 | марокк*
ethiopia, ethiopian* | ethiopie, ethiopien* | 埃塞俄比亚 | эфиопи*
kenya, kenyan* | kenya, kenyan* | 肯尼亚 | кени*
nigeria, nigerian* | nigeria, nigerian* | 尼日利亚 | нигери*
south africa, south african* | afrique du sud, sud africain* | 南非 | юар, южн* африк*
africa, african* | afrique, africain* | 非洲 | африк*
europe, european* | europe, europeen* | 欧洲 | европ*
asia, asian* | asie, asiatique* | 亚洲 | азия, азии, азию, азиатск*
zambia | zambie | 赞比亚 | замби*
zimbabwe | zimbabwe | 津巴布韦 | зимбабве
tanzania | tanzanie | 坦桑尼亚 | танзани*
uganda | ouganda | 乌干达 | уганд*
senegal | senegal | 塞内加尔 | сенегал*
ghana | ghana | 加纳 | гана, ганы, гане, гану
namibia | namibie | 纳米比亚 | намиби*
angola | angola | 安哥拉 | ангол*
mozambique | mozambique | 莫桑比克 | мозамбик*
sudan | soudan | 苏丹 | судан*
somalia | somalie | 索马里 | сомали*
rwanda | rwanda | 卢旺达 | руанд*
mali | mali | 马里 | мали
haiti | haiti | 海地 | гаити
cuba, cuban* | cuba, cubain* | 古巴 | куба, кубы, кубе, кубу, кубинск*
mexico, mexican* | mexique, mexicain* | 墨西哥 | мексик*
canada, canadian* | canada, canadien* | 加拿大 | канад*
brazil, brazilian* | bresil, bresilien* | 巴西 | бразили*
argentina, argentine*, argentinian* | argentine* | 阿根廷 | аргентин*
chile, chilean* | chili, chilien* | 智利 | чили
peru, peruvian* | perou, peruvien* | 秘鲁 | перу
colombia, colombian* | colombie, colombien* | 哥伦比亚 | колумби*
venezuela, venezuelan* | venezuela, venezuelien* | 委内瑞拉 | венесуэл*
ecuador | equateur | 厄瓜多尔 | эквадор*
dominican republic | republique dominicaine | 多米尼加 | доминиканск*
australia, australian* | australie, australien* | 澳大利亚 | австрали*
new zealand | nouvelle zelande | 新西兰 | нов* зеланди*
indonesia, indonesian* | indonesie, indonesien* | 印度尼西亚, 印尼 | индонези*
malaysia, malaysian* | malaisie, malaisien* | 马来西亚 | малайзи*
singapore | singapour | 新加坡 | сингапур*
thailand, thai | thailande, thailandais* | 泰国 | таиланд*
vietnam, viet nam, vietnamese | vietnam, viet nam, vietnamien* | 越南 | вьетнам*
philippines, philippine*, filipino* | philippines | 菲律宾 | филиппин*
cambodia | cambodge | 柬埔寨 | камбодж*
laos | laos | 老挝 | лаос*
myanmar, burma | myanmar, birmanie | 缅甸 | мьянм*
bangladesh | bangladesh | 孟加拉国 | бангладеш*
sri lanka | sri lanka | 斯里兰卡 | шри ланк*
nepal | nepal | 尼泊尔 | непал*
beijing, peking | pekin | 北京 | пекин*
shanghai | shanghai | 上海 | шанха*
hong kong | hong kong | 香港 | гонконг*
taiwan | taiwan | 台湾 | тайван*
moscow | moscou | 莫斯科 | москв*, московск*
saint petersburg, st petersburg | saint petersbourg | 圣彼得堡 | петербург*
washington | washington | 华盛顿 | вашингтон*
new york | new york | 纽约 | нью йорк*
los angeles | los angeles | 洛杉矶 | лос анджелес*
london | londres | 伦敦 | лондон*
paris | paris | 巴黎 | париж*
berlin | berlin | 柏林 | берлин*
hamburg | hambourg | 汉堡 | гамбург*
cologne | cologne | 科隆 | кельн*
rome | rome | 罗马 | рим, рима, риме
madrid | madrid | 马德里 | мадрид*
brussels | bruxelles | 布鲁塞尔 | брюссел*
geneva | geneve | 日内瓦 | женев*
vienna | vienne | 维也纳 | вен, вене, вены
warsaw | varsovie | 华沙 | варшав*
prague | prague | 布拉格 | прага, праги, праге, прагу
athens | athenes | 雅典 | афин*
sofia | sofia | 索非亚 | софи*
tallinn | tallinn | 塔林 | таллин*
vilnius | vilnius | 维尔纽斯 | вильнюс*
riga | riga | 里加 | рига, риги, риге, ригу
edinburgh | edimbourg | 爱丁堡 | эдинбург*
glasgow | glasgow | 格拉斯哥 | глазго
kyiv, kiev | kiev, kyiv | 基辅 | киев*
minsk | minsk | 明斯克 | минск*
ankara | ankara | 安卡拉 | анкар*
istanbul | istanbul | 伊斯坦布尔 | стамбул*
tehran | teheran | 德黑兰 | тегеран*
baghdad | bagdad | 巴格达 | багдад*
damascus | damas | 大马士革 | дамаск*
jerusalem | jerusalem | 耶路撒冷 | иерусалим*
cairo | le caire | 开罗 | каир*
tokyo | tokyo | 东京 | токио
seoul | seoul | 首尔 | сеул*
pyongyang | pyongyang | 平壤 | пхеньян*
new delhi, delhi | new delhi, delhi | 新德里 | дели
islamabad | islamabad | 伊斯兰堡 | исламабад*
kabul | kaboul | 喀布尔 | кабул*
astana | astana | 阿斯塔纳 | астан*
tashkent | tachkent | 塔什干 | ташкент*
nairobi | nairobi | 内罗毕 | найроби
addis ababa | addis abeba | 亚的斯亚贝巴 | аддис абеб*
johannesburg | johannesburg | 约翰内斯堡 | йоханнесбург*
pretoria | pretoria | 比勒陀利亚 | претори*
lagos | lagos | 拉各斯 | лагос*
brasilia | brasilia | 巴西利亚 | бразилиа
buenos aires | buenos aires | 布宜诺斯艾利斯 | буэнос айрес*
ottawa | ottawa | 渥太华 | оттав*
vancouver | vancouver | 温哥华 | ванкувер*
sydney | sydney | 悉尼 | сидне*
canberra | canberra | 堪培拉 | канберр*
jakarta | jakarta | 雅加达 | джакарт*
bangkok | bangkok | 曼谷 | бангкок*
hanoi | hanoi | 河内 | ханой*
manila | manille | 马尼拉 | манил*
texas | texas | 德克萨斯, 得克萨斯 | техас*
california | californie | 加利福尼亚, 加州 | калифорни*
florida | floride | 佛罗里达 | флорид*
united nations | nations unies, onu | 联合国 | оон
european union | union europeenne, ue | 欧盟, 欧洲联盟 | евросоюз*, европейск* союз*
nato | otan | 北约 | нато
world health organization | organisation mondiale de la sante, oms | 世界卫生组织, 世卫组织 | воз
world trade organization, wto | organisation mondiale du commerce, omc | 世界贸易组织, 世贸组织 | вто
international monetary fund, imf | fonds monetaire international, fmi | 国际货币基金组织 | мвф
world bank | banque mondiale | 世界银行 | всемирн* банк*
brics | brics | 金砖国家, 金砖 | брикс
shanghai cooperation organisation, shanghai cooperation organization, sco | organisation de cooperation de shanghai, ocs | 上海合作组织, 上合组织 | шос
belt and road | ceinture et la route, nouvelles routes de la soie | 一带一路 | пояс* и пут*
g20 | g20 | 二十国集团 | большой двадцатк*
asean | asean, anase | 东盟 | асеан*
african union | union africaine | 非洲联盟, 非盟 | африканск* союз*
nasa | nasa | 美国国家航空航天局, 美国航天局 | наса
olympic*, olympics | olympique*, jeux olympiques | 奥运, 奥林匹克 | олимпи*
"""
